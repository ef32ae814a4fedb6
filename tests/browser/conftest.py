"""The sandbox (the bot, the stand-ins and the page, on a free loopback port and a SQLite file
of the test's own) and a headless Chromium: Debian's, driven by Playwright, never downloaded.
Without Chromium or Playwright the browser tests are skipped and say why (scripts/chromium
installs Chromium when it runs as root)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.serve import Sandbox, start_sandbox, stop_sandbox

CHROMIUM = os.environ.get("CIR_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("CIR_SCREENSHOTS", ROOT / "var" / "screenshots"))

pytestmark = pytest.mark.browser


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[tuple[Sandbox, str]]:
    running, runner = await start_sandbox(
        "127.0.0.1", 0, database_url=f"sqlite:///{tmp_path / 'sandbox.db'}", sweep_seconds=0.5
    )
    root = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield running, root
    await stop_sandbox(running, runner)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    api = pytest.importorskip("playwright.async_api", reason="pip install playwright")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM}: run scripts/chromium as root (apt-get)")
    async with api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        await launched.close()


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
