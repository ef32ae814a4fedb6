"""Every Adaptive Card the bot can send on Teams, parsed, validated and rendered by Microsoft's
own `adaptivecards` package (npm, in jsdom: tests/teams/js/parse-cards.mjs), the library Teams'
web renderer is built on: no error and no warning, for any card in tests/teams/catalogue.py.
How node and the package get here: tests/teams/node.py."""

from __future__ import annotations

import pytest

from tests.teams.catalogue import every_card
from tests.teams.node import run


@pytest.fixture(scope="module")
def reports() -> dict[str, list[str]]:
    return run("parse-cards.mjs", every_card())


def test_microsofts_parser_finds_nothing_wrong_with_any_card(reports) -> None:
    assert set(reports) == set(every_card())
    assert {name: problems for name, problems in reports.items() if problems} == {}


def test_the_parser_does_report_what_is_wrong() -> None:
    """The check can fail: an unknown element, a required input without a label or error
    message, two inputs with one id."""
    text = {"type": "Input.Text", "id": "a", "isRequired": True}
    bad = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Marquee"}, text, text]}
    problems = run("parse-cards.mjs", {"bad": bad})["bad"]
    assert any("UnknownElementType" in p for p in problems)
    assert any("RequiredInputsShouldHaveLabel" in p for p in problems)
    assert any("DuplicateId" in p for p in problems)
