"""The Teams escape, for any text: nothing is lost (undoing the escapes gives the text back),
and no character that could start Markdown is left unescaped."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.views.sanitise import sanitise
from handlers.teams.render.budget import SHORTENED
from handlers.teams.render.escape import NBSP, markdown, user_text

SPECIAL = set("\\`*_~[]<>&|{}")
TEXT = st.text(alphabet=st.sampled_from(list("ab 1.\t\n#>+=-\\`*_~[]<>&|{}()!😀é")), max_size=200)


def undone(escaped: str) -> str:
    text = escaped.replace("\n\n", "\n")
    text = re.sub(r"(?m)^\u00a0+", lambda m: " " * len(m.group()), text)
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


@given(TEXT)
def test_nothing_is_lost(text: str) -> None:
    expected = re.sub(r"(?m)^[ \t]+", lambda m: m.group().replace("\t", "    "), text)
    assert undone(markdown(text)) == expected


@given(TEXT)
def test_nothing_special_is_left_bare(text: str) -> None:
    escaped = markdown(text)
    at = 0
    while at < len(escaped):
        if escaped[at] == "\\":  # an escape: the next character is shown as itself
            assert escaped[at + 1] in SPECIAL | set("#>+=-.)"), escaped
            at += 2
            continue
        assert escaped[at] not in SPECIAL, escaped
        at += 1
    for line in escaped.split("\n"):
        bare = line.lstrip(NBSP)
        assert not re.match(r"[#>+=-]|\d+[.)]", bare), line


@given(st.text(st.characters(exclude_characters="\t\u00a0"), max_size=400), st.integers(20, 300))
def test_a_cut_is_marked_and_keeps_a_prefix_within_the_limit(text: str, limit: int) -> None:
    shown = user_text(text, limit)
    if not shown.endswith(SHORTENED):
        assert undone(shown) == sanitise(text)
        return
    kept = undone(shown[: -len(SHORTENED)])
    assert sanitise(text).startswith(kept)
    assert len(kept) + len(SHORTENED) <= limit
