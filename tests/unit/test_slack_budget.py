"""The one helper that fits text into Slack's limits: nothing is lost when it splits, a cut is
visible, and neither ever breaks the markup Slack parses (an escaped `&amp;`, a `<@U1>`)."""

from __future__ import annotations

import pytest

from handlers.slack.render.budget import (
    CONTINUED,
    SECTION_TEXT,
    cut,
    quote,
    split,
    text_sections,
    unique_action_ids,
)


def test_text_that_fits_is_left_alone() -> None:
    assert cut("short", 10) == "short"
    assert split("short", 10) == ["short"]


def test_a_cut_ends_with_the_visible_mark_and_fits() -> None:
    out = cut("word " * 100, 100)
    assert len(out) <= 100
    assert out.endswith(CONTINUED)


@pytest.mark.parametrize("token", ["&amp;", "&lt;", "<@U0123ABC>", "<!date^1700000000^{time}|x>"])
def test_a_cut_never_splits_an_entity_or_a_token(token: str) -> None:
    for pad in range(len(token) + 2):
        text = "x" * (50 - len(CONTINUED) - pad) + token + "y" * 50
        out = cut(text, 50)
        kept = out.removesuffix(CONTINUED)
        assert len(out) <= 50
        assert token in kept or token[:2] not in kept[-len(token) :], (pad, out)


def test_split_keeps_every_character_and_prefers_line_ends() -> None:
    text = "\n".join(f"line {n} " + "z" * 40 for n in range(400))
    pieces = split(text, SECTION_TEXT)
    assert all(len(p) <= SECTION_TEXT for p in pieces)
    assert "\n".join(pieces) == text
    assert all(p.startswith("line ") for p in pieces)


def test_split_of_one_long_word_cuts_it_without_loss() -> None:
    pieces = split("a" * 7000, 3000)
    assert [len(p) for p in pieces] == [3000, 3000, 1000]


def test_sections_past_their_budget_end_with_the_mark() -> None:
    blocks = text_sections("b" * (SECTION_TEXT * 6), max_blocks=2)
    assert len(blocks) == 2
    assert all(len(b["text"]["text"]) <= SECTION_TEXT for b in blocks)
    assert blocks[-1]["text"]["text"].endswith(CONTINUED)


def test_quote_marks_every_line() -> None:
    assert quote("one\ntwo") == ">one\n>two"


def test_a_repeated_action_id_is_caught_where_it_is_built() -> None:
    with pytest.raises(ValueError, match="repeats an action_id"):
        unique_action_ids([{"action_id": "a"}, {"action_id": "a"}])


def test_split_never_breaks_inside_a_token_that_holds_spaces() -> None:
    """The bot's own `<!date^…^{time} {date_short_pretty}|…>` has spaces: breaking there would
    show raw markup in both blocks. The last space before the limit is inside the token."""
    token = "<!date^1700000000^{time} {date_short_pretty}|09:30 UTC 04 Dec>"
    link = "<https://e.example/r|see the report>"
    for inner in (token, link):
        text = "a" * 1600 + " " + inner + "b" * 2000
        pieces = split(text, 3000)
        assert all(len(p) <= 3000 for p in pieces)
        assert any(inner in p for p in pieces), pieces
