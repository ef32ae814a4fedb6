"""A missed 30-minute contact, escalated: the provider never answers the page, and when the
deadline passes the MHCLG duty manager is told in Slack (a direct message from the bot) and by
GOV.UK Notify.

Played two ways: with the contact deadline shortened by configuration (CIR_CONTACT_DEADLINE,
which scales the whole ladder), and on the service's fast clock (`--speed N`, CIR_SPEED, the
exercise mode) once the service has it; until then that case is skipped and says so."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.serve import Sandbox, start_sandbox, stop_sandbox
from tests.browser.seat import Seat, expect
from tests.browser.test_incident import play_to_activation

pytestmark = pytest.mark.browser
DEADLINE_SECONDS = 45.0  # wall-clock seconds from the page to the first escalation
WAYS = {
    "deadline shortened": {"CIR_CONTACT_DEADLINE": f"{DEADLINE_SECONDS:g}s"},
    "fast clock": {"CIR_SPEED": f"{30 * 60 / DEADLINE_SECONDS:g}"},
}


@pytest.fixture(params=sorted(WAYS))
async def hurried(request: Any, tmp_path: Path) -> AsyncIterator[tuple[Sandbox, str]]:
    running, runner = await start_sandbox(
        "127.0.0.1",
        0,
        env={**os.environ, **WAYS[request.param]},
        database_url=f"sqlite:///{tmp_path / 'sandbox.db'}",
        sweep_seconds=0.5,
    )
    yield running, f"http://127.0.0.1:{runner.addresses[0][1]}"
    await stop_sandbox(running, runner)


async def test_a_missed_contact_is_escalated_to_the_duty_manager(
    hurried: tuple[Sandbox, str], browser: Any, shots: Path
) -> None:
    running, root = hurried
    played = await play_to_activation(running, root, browser, shots)
    duty_id = played.cast["duty manager"]
    duty = await Seat.open(browser, root, duty_id)
    await expect(duty.channel_link("CIR bot")).to_be_visible(timeout=(DEADLINE_SECONDS + 60) * 1000)
    await duty.channel("CIR bot")  # the bot's direct messages to the duty manager
    await expect(duty.message(re.compile("escalat", re.I))).to_be_visible()
    await duty.shot(shots, "12-escalation")
    phone = running.desk.ws.people[duty_id].phone.replace(" ", "")
    await duty.page.get_by_role("button", name="Notify outbox").click()
    outbox = duty.page.locator("#outbox")
    await expect(outbox.locator('[data-route="sms"]').first).to_be_visible()
    assert phone[-6:] in (await outbox.inner_text()).replace(" ", "")
    # the outsider saw none of it
    await played.outsider.page.reload()
    await expect(played.outsider.page.locator("#channels")).not_to_contain_text("CIR bot")
