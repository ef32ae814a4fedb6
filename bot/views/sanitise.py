"""One sanitiser for what people type, before it reaches any output: Slack and Teams messages,
the Markdown and PDF reports, email and SMS through GOV.UK Notify.

What it does, whatever the format:
- control and invisible characters go: C0 and C1 controls (newline and tab stay), the bidi
  embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C),
  zero-width characters and the BOM. A right-to-left override can make `exe.pdf` read as
  `fdp.exe`; removed, the text reads in its true order, which is what evidence needs. Line and
  paragraph separators become newlines.
- links are defanged as responders do with indicators of compromise (`hxxps://evil[.]example`,
  `www[.]evil.example`), so nothing a person typed is a live link in a channel or a report.
- mentions are neutralised: Slack's `<@U123>`, `<!here>`, `<!subteam^S1>` and `<#C1>`, Teams'
  `<at>name</at>`, and the broadcast words `@here`, `@channel`, `@everyone` and `@all` lose
  their power (the at sign becomes the full-width `＠`, which reads the same and pings nobody).

Each format then escapes its own syntax on top (Slack's `& < >`, Markdown's punctuation, the
PDF fonts' latin-1): `handlers/slack/escape.py`, `bot/reporting/markdown.py`,
`handlers/report/pdf.py`, `bot/usecases/sharing.py` for email.
"""

from __future__ import annotations

import re

from bot.views.indicators import defang

__all__ = ["clean", "defang", "neutralise_mentions", "sanitise"]

_INVISIBLE = frozenset(
    {0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063}
    | {0x2064, 0xFEFF}
    | set(range(0x202A, 0x202F))  # LRE RLE PDF LRO RLO
    | set(range(0x2066, 0x206A))  # LRI RLI FSI PDI
)
_KEEP = frozenset({"\n", "\t"})
# One pass of the regex engine instead of a Python loop per character (a card drawn from a
# 3,000-character description sanitises it in microseconds): every control character
# (category Cc: U+0000-U+001F and U+007F-U+009F) but newline and tab, and the invisible ones.
_REMOVED = re.compile(
    "["
    + "".join(
        re.escape(chr(c))
        for c in sorted({*range(0x20), *range(0x7F, 0xA0), *_INVISIBLE} - {ord(k) for k in _KEEP})
    )
    + "]"
)
FULLWIDTH_AT = "\uff20"

# Slack's special mentions: <@U123>, <@U123|name>, <!here>, <!subteam^S1|@team>, <#C123|name>
_SLACK_MENTION = re.compile(r"<([@!#])([^<>|\s]+)(?:\|([^<>]*))?>")
_TEAMS_MENTION = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_BROADCAST = re.compile(r"(?<![\w@])@(here|channel|everyone|all)\b", re.IGNORECASE)


def clean(text: str) -> str:
    """Remove control, bidi and zero-width characters; keep newlines and tabs."""
    lines = text.replace("\r", "").replace("\u2028", "\n").replace("\u2029", "\n")
    return _REMOVED.sub("", lines)


def _slack_mention(match: re.Match[str]) -> str:
    sigil, target, label = match.group(1), match.group(2), match.group(3)
    shown = (label or target).lstrip("@")
    return f"#{shown}" if sigil == "#" else f"{FULLWIDTH_AT}{shown}"


def neutralise_mentions(text: str) -> str:
    text = _SLACK_MENTION.sub(_slack_mention, text)
    text = _TEAMS_MENTION.sub(lambda m: f"{FULLWIDTH_AT}{m.group(1)}", text)
    return _BROADCAST.sub(lambda m: f"{FULLWIDTH_AT}{m.group(1)}", text)


def sanitise(text: str) -> str:
    """What every output does first with text a person typed (or a name Slack reported)."""
    return defang(neutralise_mentions(clean(text)))
