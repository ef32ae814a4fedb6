"""Make what people type show literally in an Adaptive Card's TextBlock and FactSet.

The core sanitiser (`bot.views.sanitise`) first removes control and bidi characters, defangs
links and neutralises mentions (Slack's and Teams' `<at>…</at>`), as it does for every output.
On top, Teams reads TextBlock and FactSet text as a Markdown subset, so the punctuation that
could start markup is backslash-escaped (CommonMark's escape, which Teams honours): emphasis
`* _ ~`, code `` ` ``, links `[ ]`, HTML and autolinks `< >`, entities `&`, tables `|`, the
date functions `{{DATE(…)}}` and `{{TIME(…)}}` (`{ }`), and at a line's start the block
markers (`#` headings, `-`/`+`/`=` lists and rules, `>` quotes, `1.` numbered lists). A line's
indentation becomes no-break spaces, which Markdown does not count: a pasted log indented by four
spaces stays text (not a code block) and keeps its indentation. A single newline is not a line
break in Teams' Markdown, so each is doubled: a person's lines stay lines.

Only ASCII punctuation is ever escaped, so a reader whose client ignores an escape sees the
character, never a stray letter.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.views.sanitise import sanitise
from handlers.teams.render.budget import USER_TEXT, cut

_INLINE = "`*_~[]<>&|{}"  # and the backslash itself, escaped first
_LINE_START = re.compile(r"(?m)^([ \t]*)([#>+=-])")
_NUMBERED = re.compile(r"(?m)^([ \t]*\d+)([.)])")
_INDENT = re.compile(r"(?m)^[ \t]+")
NBSP = "\u00a0"


def markdown(text: str) -> str:
    """`text` with every character that could start Teams Markdown escaped."""
    text = text.replace("\\", "\\\\")
    for ch in _INLINE:  # a replace per character: faster than a regex or translate on long text
        text = text.replace(ch, "\\" + ch)
    text = _LINE_START.sub(r"\1\\\2", text)
    text = _NUMBERED.sub(r"\1\\\2", text)
    text = _INDENT.sub(lambda m: m.group().replace("\t", "    ").replace(" ", NBSP), text)
    return text.replace("\n", "\n\n")


def user_text(text: str, limit: int = USER_TEXT) -> str:
    """What a person typed (or a name), sanitised, cut to `limit` characters with a visible
    mark if longer, then escaped. The cut is made before escaping, so it never splits an
    escape from the character it protects."""
    return cut(_sanitised(text), limit, escape=markdown)


@lru_cache(maxsize=256)
def _sanitised(text: str) -> str:
    """`fit` lays a card out again at each smaller allowance: sanitise each text once."""
    return sanitise(text)
