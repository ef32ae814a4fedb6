"""Slack's size limits, and the one place that fits text into them.

Slack refuses a whole message (`invalid_blocks`) when one part of it is a character too long, so
a long description or rationale would silently cost the channel the message (or freeze the pinned
card for the rest of the incident). Every renderer measures the text it finally sends, after
escaping and with names and references in, through these helpers: text that does not fit is
split over several blocks or cut with a visible mark; it is never dropped in silence, and the
whole of it stays on the incident's timeline.

The limits are Slack's published Block Kit limits (block and element reference pages).
"""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]

SECTION_TEXT = 3000  # section block `text`
SECTION_FIELD = 2000  # each of a section's `fields`
SECTION_FIELDS = 10  # fields per section
CONTEXT_ELEMENTS = 10  # elements per context block
CONTEXT_TEXT = 2000  # a context element's text (a text object's own limit in context)
HEADER_TEXT = 150  # header block plain_text
BUTTON_TEXT = 75  # button label
BUTTON_VALUE = 2000  # button value
OPTION_TEXT = 75  # option label in selects and radio buttons
MESSAGE_BLOCKS = 50  # blocks in one message
VIEW_BLOCKS = 100  # blocks in a modal or the Home tab
VIEW_TITLE = 24  # modal title, submit and close labels
INPUT_LABEL = 2000  # input block label
MESSAGE_TEXT = 4000  # a message's top-level `text`: Slack's own advice (it refuses at 40,000)

CONTINUED = "…(continued in the timeline)"
ELLIPSIS = "…"

# Slack markup that must not be cut in half: an HTML entity from our escaping (`&amp;`) or a
# token in angle brackets (`<@U123>`, `<#C123>`, `<!date^…|…>`).
_OPENERS = {"&": ";", "<": ">"}
_LONGEST_ENTITY = len("&amp;")


def _safe_end(text: str, end: int) -> int:
    """The largest cut point <= end that does not split an entity or an angle-bracket token."""
    if end >= len(text):
        return len(text)
    amp = text.rfind("&", max(0, end - _LONGEST_ENTITY + 1), end)
    if amp != -1 and text.find(";", amp, amp + _LONGEST_ENTITY) >= end:
        end = amp
    lt = text.rfind("<", 0, end)
    if lt != -1 and text.rfind(">", lt, end) == -1 and text.find(">", lt) >= end:
        end = lt
    # a combining mark, zero-width joiner or variation selector belongs to the character before
    # it: never cut between them
    while end > 0 and _is_combining(text[end]):
        end -= 1
    return end


def _is_combining(ch: str) -> bool:
    return "\u0300" <= ch <= "\u036f" or ch in "\u200d\ufe0f"


def cut(text: str, limit: int, mark: str = CONTINUED) -> str:
    """`text` whole if it fits in `limit` characters, else its longest safe prefix followed by
    `mark`, so a reader sees that there is more (and where to find it)."""
    if len(text) <= limit:
        return text
    if limit <= len(mark):
        return mark[:limit]
    return text[: _safe_end(text, limit - len(mark))].rstrip() + mark


def split(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, broken at a line end where there is one,
    else at a space, else at a safe character boundary. Nothing is lost but the line breaks
    a split falls on."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        end = _safe_end(rest, limit)
        window = rest[:end]
        at = _break(window, "\n")
        if at <= 0:
            at = _break(window, " ")
        if at <= limit // 2:  # a break near the start would waste the block: cut instead
            at = end
        if at <= 0:  # a single unbreakable token longer than the limit
            at = limit
        pieces.append(rest[:at].rstrip("\n"))
        rest = rest[at:].lstrip("\n")
    pieces.append(rest)
    return pieces


def _break(window: str, sep: str) -> int:
    """The last `sep` in `window` outside a `<…>` token (`<!date^…^{time} {date}|…>` holds
    spaces: a break inside it would show the raw markup); -1 if none."""
    at = window.rfind(sep)
    while at > 0:
        opened = window.rfind("<", 0, at)
        if opened == -1 or window.rfind(">", opened, at) != -1:
            return at
        at = window.rfind(sep, 0, opened)
    return at


def quote(text: str) -> str:
    """Slack's `>` quotes one line: quote every line of what a person wrote."""
    return "\n".join(f">{line}" for line in text.split("\n"))


def text_sections(text: str, *, max_blocks: int = 4) -> list[Block]:
    """mrkdwn `text` as one or more section blocks. Past `max_blocks` (a message allows 50 in
    all) the last block is cut with a visible mark; the timeline keeps the whole text."""
    pieces = split(text, SECTION_TEXT)
    if len(pieces) > max_blocks:
        pieces = pieces[:max_blocks]
        last = pieces[-1]
        pieces[-1] = last[: _safe_end(last, SECTION_TEXT - len(CONTINUED))].rstrip() + CONTINUED
    # Slack refuses a text of only whitespace: such a piece (a run of blank lines) is dropped
    return [{"type": "section", "text": {"type": "mrkdwn", "text": p}} for p in pieces if p.strip()]


def field_text(label: str, value: str) -> dict[str, Any]:
    """A section field: the bold label and its value, cut to the field limit."""
    return {"type": "mrkdwn", "text": cut(f"*{label}*\n{value}", SECTION_FIELD)}


def field_sections(fields: list[dict[str, Any]]) -> list[Block]:
    """Fields, ten to a section (Slack's limit per section)."""
    return [
        {"type": "section", "fields": fields[i : i + SECTION_FIELDS]}
        for i in range(0, len(fields), SECTION_FIELDS)
    ]


def fallback(text: str) -> str:
    """A message's top-level text (notifications, screen readers): kept short as Slack asks."""
    return cut(text, MESSAGE_TEXT, ELLIPSIS)


def unique_action_ids(elements: list[Block]) -> list[Block]:
    """Slack refuses an actions block that repeats an action_id; a renderer that would send one
    has a bug, so fail where it is built rather than in Slack."""
    ids = [e.get("action_id") for e in elements if e.get("action_id")]
    if len(ids) != len(set(ids)):
        raise ValueError(f"an actions block repeats an action_id: {ids}")
    return elements
