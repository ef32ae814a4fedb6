"""Every Adaptive Card the bot can send on Teams, parsed, validated and rendered by Microsoft's
own `adaptivecards` package (npm, in jsdom: tests/teams/js/parse-cards.mjs), the library Teams'
web renderer is built on: no error and no warning, for any card in tests/teams/catalogue.py.

`scripts/test` installs the package (`npm ci` in tests/teams/js, pinned by its lock file). Run
by hand without node or that install, these tests are skipped and say why; in CI (`CI` set)
they fail instead, since CI has node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.teams.catalogue import every_card

JS = Path(__file__).resolve().parent / "js"
INSTALL = "scripts/teams-cards-js (or scripts/test) installs it"


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the Teams card parser tests cannot run in CI without it")
    pytest.skip(f"{reason}; {INSTALL}")


def parse(cards: dict[str, Any]) -> dict[str, list[str]]:
    node = shutil.which("node")
    if node is None:
        missing("node is not installed")
    if not (JS / "node_modules" / "adaptivecards").is_dir():
        missing(f"the npm package adaptivecards is not installed in {JS}")
    done = subprocess.run(  # noqa: S603 (node and our own script, no shell)
        [str(node), str(JS / "parse-cards.mjs")],
        input=json.dumps(cards),
        capture_output=True,
        text=True,
        cwd=JS,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def reports() -> dict[str, list[str]]:
    return parse(every_card())


def test_microsofts_parser_finds_nothing_wrong_with_any_card(reports) -> None:
    assert set(reports) == set(every_card())
    assert {name: problems for name, problems in reports.items() if problems} == {}


def test_the_parser_does_report_what_is_wrong() -> None:
    """The check can fail: an unknown element, a required input without a label or error
    message, two inputs with one id."""
    text = {"type": "Input.Text", "id": "a", "isRequired": True}
    bad = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Marquee"}, text, text]}
    problems = parse({"bad": bad})["bad"]
    assert any("UnknownElementType" in p for p in problems)
    assert any("RequiredInputsShouldHaveLabel" in p for p in problems)
    assert any("DuplicateId" in p for p in problems)
