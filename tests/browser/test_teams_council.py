"""A council on Microsoft Teams takes part in an incident MHCLG runs on Slack, in the sandbox:
the assessor reports it on Slack, the incident's card appears in the council's Teams channel
(drawn by Microsoft's renderer), the council signs the MoU from that card (an Action.Execute
invoke to the bot's /api/messages, signed as Teams signs it), MHCLG sees it on Slack and
activates, and the council's card follows. Screenshots of the Teams side are saved."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.domain.states import State
from sandbox.serve import Sandbox
from tests.browser.seat import WAIT_MS, Seat, expect
from tests.browser.test_incident import RANSOMWARE, report, roles, states

pytestmark = pytest.mark.browser


async def teams_seat(browser: Any, root: str, running: Sandbox) -> Any:
    assert running.teams is not None
    assert running.teams.desk is not None
    (contact,) = [s for s in running.teams.desk.cast.seats if s.org_id == "bristol"]
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await page.goto(f"{root}/sandbox/teams#as={contact.person.user_id}")
    await expect(page.locator("#conversation-head")).to_have_text(
        "Bristol City Council › Cyber incidents"
    )
    return page


async def test_a_council_on_teams_signs_the_mou_from_its_card(
    sandbox: tuple[Sandbox, str], browser: Any, shots: Path
) -> None:
    running, root = sandbox
    bristol = {"query": "Bris", "name": "Bristol City Council", "email": "digital@bristol.example"}
    ada = await Seat.open(browser, root, roles(running)["assessor"])
    teams = await teams_seat(browser, root, running)

    # 1. MHCLG reports the incident on Slack and runs the threshold check; the incident's card
    # reaches the council's Teams channel and asks the council for the MoU.
    await report(ada, bristol, shots)
    await ada.press("Start threshold check", "Start threshold check")
    await ada.modal_titled("Threshold check")
    for question, answers in RANSOMWARE.items():
        await ada.pick(question, *answers)
    await ada.submit()
    await ada.tick("decision", "activate")
    await ada.type_in("rationale", "C3: benefits down, backups destroyed.")
    await ada.submit()
    await ada.modal_closed()
    assert await states(running) == [State.AWAITING_MOU]
    card = teams.locator(".teams-card").filter(has_text="CIR-2026-0001").last
    await expect(card).to_contain_text("Bristol City Council")
    signed = card.get_by_role("button", name="MoU signed")
    await expect(signed).to_be_visible()
    await teams.screenshot(path=str(shots / "teams-01-council-card.png"))

    # 2. The council signs on Teams; MHCLG sees it on Slack and activates.
    await signed.click()
    await expect(card).to_contain_text("MoU: signed by the council")
    await ada.sees("MoU: signed by the council")  # the card on Slack, redrawn
    assert await states(running) == [State.AWAITING_MOU]
    await ada.say("/cir activate")
    await ada.modal_titled("Activate CIR")
    await ada.tick("provider", "on_duty")
    await ada.submit()
    await ada.modal_closed()
    await ada.sees(re.compile("activated"))
    assert await states(running) == [State.ACTIVATED]

    # 3. The council's card on Teams follows the incident.
    await expect(card).to_contain_text(re.compile("activated", re.I))
    await teams.screenshot(path=str(shots / "teams-02-activated.png"))
