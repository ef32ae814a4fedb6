"""The Exercise panel on the sandbox page: the assessor picks the ransomware scenario and
starts it; the scenario's first step (MHCLG's referral) opens the incident's channel, which
appears in the assessor's channel list, the panel shows the scenario playing with its log, and
offers the timeline and the incident's report to download."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.exercise.cast import ASSESSOR
from sandbox.serve import Sandbox, start_sandbox, stop_sandbox
from tests.browser.seat import Seat, expect

pytestmark = pytest.mark.browser


@pytest.fixture
async def exercise(tmp_path: Path) -> AsyncIterator[tuple[Sandbox, str]]:
    """The sandbox as `python -m sandbox --exercise --speed 10` starts it."""
    env = dict(os.environ) | {"CIR_EXERCISE": "1", "CIR_SPEED": "10"}
    env.pop("CIR_CONFIG_DIR", None)
    running, runner = await start_sandbox(
        "127.0.0.1", 0, env=env, database_url=f"sqlite:///{tmp_path / 'sandbox.db'}"
    )
    yield running, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await stop_sandbox(running, runner)


async def test_the_panel_starts_the_ransomware_scenario_and_its_channel_appears(
    exercise: tuple[Sandbox, str], browser: Any, shots: Path
) -> None:
    running, root = exercise
    ada = await Seat.open(browser, root, ASSESSOR.user_id)
    page = ada.page
    await expect(page.locator("#banner")).to_contain_text("EXERCISE")
    scenario = page.locator("#exercise-scenario")
    await expect(scenario.locator("option[value=ransomware]")).to_have_count(1)
    await scenario.select_option("ransomware")
    await expect(page.locator("#exercise-summary")).to_contain_text("Hackney")
    assert running.exercise.task is None  # nothing plays until someone presses start

    await page.get_by_role("button", name="Start the scenario").click()
    await expect(page.locator("#exercise-state")).to_have_text("Playing: ransomware")
    await expect(page.get_by_role("button", name="Start the scenario")).to_be_disabled()
    channel = await ada.channel_named(r"^cir-\d{4}-\d{4}-")
    assert "hackney" in channel
    await expect(page.locator("#exercise-log li").first).to_contain_text("refer")
    report = page.locator("#exercise-downloads a", has_text=re.compile(r"report \(PDF\)"))
    await expect(report).to_have_count(1)
    href = await report.get_attribute("href")
    assert href is not None
    assert re.fullmatch(r"/sandbox/exercise/report/CIR-[0-9A-Z-]+\.pdf", href), href
    await expect(page.get_by_role("link", name="Timeline (JSON)")).to_have_attribute(
        "href", "/sandbox/exercise/timeline.json"
    )
    await ada.shot(shots, "exercise-panel")
