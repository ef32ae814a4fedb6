"""`clean` (the sanitiser's first step) removes exactly what it promises, for every code point:
controls but newline and tab, the bidi embeddings, overrides and isolates, the zero-width
characters and the BOM, with carriage returns dropped and line and paragraph separators made
newlines. The reference is the plain definition, one character at a time (the sanitiser runs it
as one regex, for speed on long texts)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.views.sanitise import clean

INVISIBLE = {0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x2060, 0x2065), 0xFEFF}
BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def reference(text: str) -> str:
    out = []
    for ch in text.replace("\r", "").replace("\u2028", "\n").replace("\u2029", "\n"):
        if ch in "\n\t":
            out.append(ch)
        elif ord(ch) in INVISIBLE | BIDI or unicodedata.category(ch) == "Cc":
            continue
        else:
            out.append(ch)
    return "".join(out)


def test_every_code_point() -> None:
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert clean(every) == reference(every)
    assert clean("a\u202eexe.pdf\u200b\r\n\tb\x00\x7f\x9f\u2028") == "aexe.pdf\n\tb\n"


@given(st.text())
def test_any_text(text: str) -> None:
    assert clean(text) == reference(text)
