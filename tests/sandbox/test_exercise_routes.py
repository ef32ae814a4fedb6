"""The exercise as the sandbox serves it, without a browser: the routes answer on the sandbox's
own port, starting a scenario is refused without the page's token (or from another host) as the
page's own POSTs are, and a started scenario leaves a timeline and a report marked EXERCISE."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.serve import Sandbox, start_sandbox, stop_sandbox
from tests.factories import TIMELINE_KEY_TEXT
from tests.sandbox.serving import page_token, serving

START = "/sandbox/exercise/start"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Sandbox, str, aiohttp.ClientSession]]:
    env = {"CIR_EXERCISE": "1", "CIR_SPEED": "10", "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT}
    async with serving(tmp_path, env) as running_sandbox:
        yield running_sandbox


async def _status(session: aiohttp.ClientSession, root: str) -> dict[str, Any]:
    async with session.get(f"{root}/sandbox/exercise") as answer:
        assert answer.status == 200
        found: dict[str, Any] = await answer.json()
        return found


async def test_the_sandbox_lists_the_scenarios_and_refuses_a_start_without_the_token(
    running: tuple[Sandbox, str, aiohttp.ClientSession],
) -> None:
    sandbox, root, session = running
    status = await _status(session, root)
    assert "EXERCISE" in status["banner"]
    names = {s["name"] for s in status["scenarios"]}
    assert {"ransomware", "missed-contact", "mass-event"} <= names
    assert all("error" not in s for s in status["scenarios"])  # every council is registered
    body = {"scenario": "ransomware"}
    async with session.post(f"{root}{START}", json=body) as answer:
        assert answer.status == 403
        assert "Reload" in (await answer.json())["error"]
    token = await page_token(session, root)
    async with session.post(f"{root}{START}", json=body, headers={"X-Sandbox-Token": "wrong"}) as a:
        assert a.status == 403
    rebound = {"X-Sandbox-Token": token, "Host": "evil.example:3000"}  # DNS rebinding
    async with session.post(f"{root}{START}", json=body, headers=rebound) as answer:
        assert answer.status == 403
    assert sandbox.exercise.task is None
    status = await _status(session, root)
    assert status["playing"] is False
    assert status["scenario"] is None
    headers = {"X-Sandbox-Token": token}
    async with session.post(f"{root}{START}", json={"scenario": "nope"}, headers=headers) as a:
        assert a.status == 400
        assert "there is no scenario 'nope'" in (await a.json())["error"]
    assert sandbox.exercise.task is None


async def test_a_started_scenario_plays_and_its_timeline_and_report_are_marked_exercise(
    running: tuple[Sandbox, str, aiohttp.ClientSession],
) -> None:
    sandbox, root, session = running
    headers = {"X-Sandbox-Token": await page_token(session, root)}
    async with session.post(
        f"{root}{START}", json={"scenario": "ransomware"}, headers=headers
    ) as answer:
        assert answer.status == 202
        started = await answer.json()
    assert started["scenario"] == "ransomware"
    assert started["playing"] is True
    assert sandbox.exercise.playing
    async with session.post(
        f"{root}{START}", json={"scenario": "mass-event"}, headers=headers
    ) as answer:
        assert answer.status == 409  # one at a time
    status: dict[str, Any] = {}
    for _ in range(300):  # the referral is the first step, at minute 0
        status = await _status(session, root)
        if status["incidents"] and status["log"]:
            break
        await asyncio.sleep(0.1)
    [reference] = status["incidents"]
    assert any("refer" in line for line in status["log"]), status["log"]

    async with session.get(f"{root}/sandbox/exercise/timeline.json") as answer:
        assert answer.status == 200
        assert "attachment" in answer.headers["Content-Disposition"]
        timeline = await answer.json()
    assert timeline["exercise"] is True
    assert "EXERCISE" in timeline["notice"]
    assert timeline["scenario"] == "ransomware"
    assert len(timeline["incidents"]) == 1

    async with session.get(f"{root}/sandbox/exercise/report/{reference}.pdf") as answer:
        assert answer.status == 200
        assert answer.content_type == "application/pdf"
        assert (await answer.read()).startswith(b"%PDF")
    async with session.get(f"{root}/sandbox/exercise/report/CIR-0000-999.pdf") as answer:
        assert answer.status == 404


def test_the_cli_refuses_an_unknown_scenario_before_starting(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NOTIFY_"))}
    env |= {"PYTHONPATH": str(ROOT), "CIR_SANDBOX_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", "--port", "0", "--scenario", "nope"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "there is no scenario 'nope'" in done.stderr
    assert "ransomware" in done.stderr  # the message names the ones there are
    assert done.stdout == ""  # no address printed: it never listened
    assert not (tmp_path / "sandbox.db").exists()


async def test_outside_an_exercise_the_sandbox_keeps_its_config_and_plays_no_scenario(
    tmp_path: Path,
) -> None:
    env = {"CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT}
    sandbox, runner = await start_sandbox(
        "127.0.0.1", 0, env=env, database_url=f"sqlite:///{tmp_path / 'sandbox.db'}"
    )
    root = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        assert sandbox.scratch is None  # config/ as shipped: no council given a workspace
        async with aiohttp.ClientSession() as session:
            status = await _status(session, root)
            assert status["exercise"] is False
            headers = {"X-Sandbox-Token": await page_token(session, root)}
            body = {"scenario": "ransomware"}
            async with session.post(f"{root}{START}", json=body, headers=headers) as answer:
                assert answer.status == 409
                assert "--exercise" in (await answer.json())["error"]
        assert sandbox.exercise.task is None
    finally:
        await stop_sandbox(sandbox, runner)
