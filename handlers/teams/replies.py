"""What the bot answers on Teams, in Bot Framework's own schema types (botbuilder-schema) so the
wire format is theirs: a text message in the conversation, and the answer to an
`adaptiveCard/action` invoke (the card to show in place of the one pressed, or a message for a
refusal). Every text goes through teams-cards' `plain` (the one sanitiser, and the length cap).
"""

from __future__ import annotations

import json
from typing import Any

from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    TextFormatTypes,
)

from handlers.teams.render.budget import CARD_CONTENT_TYPE
from handlers.teams.render.messages import MESSAGE_TYPE, plain


def text_message(words: str) -> dict[str, Any]:
    """A plain message: Teams shows plain text as written, so nothing typed is read as
    markdown."""
    activity = Activity(
        type=ActivityTypes.message, text=plain(words), text_format=TextFormatTypes.plain
    )
    body: dict[str, Any] = activity.serialize()
    return body


def card_answer(card: dict[str, Any]) -> dict[str, Any]:
    """The invoke's answer that shows the person `card` in place of the one they pressed."""
    # the card is already JSON: msrest's serializer would walk every element of it again
    response = AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value={})
    body: dict[str, Any] = response.serialize()
    body["value"] = card
    return body


def message_answer(words: str) -> dict[str, Any]:
    """The invoke's answer that leaves the card as it is and tells the person `words`."""
    # botbuilder-schema types `value` as an object, though Teams takes the message's text here
    response = AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE_TYPE, value={})
    body: dict[str, Any] = response.serialize()
    body["value"] = plain(words)
    return body


REPORT_PART_BYTES = 20_000  # of a part's JSON, ASCII-escaped: well inside Teams' ~28 KB


def markdown_messages(title: str, markdown: str) -> list[dict[str, Any]]:
    """A long Markdown document (the post-incident report, whose typed text the report's own
    renderer has sanitised and escaped) as messages within Teams' size limit, split at line
    ends (a very long line in pieces), each headed with `title` and its part number."""
    parts: list[list[str]] = [[]]
    size = 0
    for line in _pieces(markdown):
        cost = len(json.dumps(line + "\n", ensure_ascii=True))
        if parts[-1] and size + cost > REPORT_PART_BYTES:
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += cost
    messages = []
    for n, lines in enumerate(parts, 1):
        head = f"**{title}** (part {n} of {len(parts)})" if len(parts) > 1 else f"**{title}**"
        activity = Activity(
            type=ActivityTypes.message,
            text="\n".join([head, "", *lines]),
            text_format=TextFormatTypes.markdown,
        )
        messages.append(activity.serialize())
    return messages


def _pieces(markdown: str) -> list[str]:
    """The lines, a line too long for one part broken in pieces (nothing is dropped; each
    character costs at most 12 bytes once escaped, so a piece always fits)."""
    width = REPORT_PART_BYTES // 16
    pieces = []
    for line in markdown.splitlines():
        pieces += [line[i : i + width] for i in range(0, len(line), width)] or [""]
    return pieces
