"""Running the scripts in tests/teams/js (Microsoft's adaptivecards in jsdom) from the tests.

`scripts/test` installs the npm packages (`scripts/teams-cards-js`: `npm ci` from the lock file).
Run by hand without node or that install, the tests that need them are skipped and say why; in
CI (`CI` set) they fail instead, since CI has node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

JS = Path(__file__).resolve().parent / "js"
INSTALL = "scripts/teams-cards-js (or scripts/test) installs it"


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: the Teams card tests that use node cannot run in CI without it")
    pytest.skip(f"{reason}; {INSTALL}")


def run(script: str, payload: dict[str, Any]) -> dict[str, Any]:
    """`script`'s JSON answer to `payload` (both JSON objects keyed by name)."""
    node = shutil.which("node")
    if node is None:
        missing("node is not installed")
    for package in ("adaptivecards", "jsdom", "markdown-it"):
        if not (JS / "node_modules" / package).is_dir():
            missing(f"the npm package {package} is not installed in {JS}")
    done = subprocess.run(  # noqa: S603 (node and our own script, no shell)
        [str(node), str(JS / script)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=JS,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer
