"""A whole incident played in the sandbox page, as its people would play it in Slack: the
assessor reports it and runs the threshold check, the council joins by Slack Connect and signs
the MoU, MHCLG activates, the provider on duty acknowledges the page and records contact, the
response moves through its phases, each organisation gives its lessons and the report opens.
An outsider, watching throughout, sees none of it. Screenshots of the key screens are saved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.states import State
from sandbox.serve import Sandbox
from tests.browser.seat import Seat, expect

pytestmark = pytest.mark.browser

RANSOMWARE = {
    "status": ["confirmed"],
    "critical_services": ["benefits", "social_care"],
    "scope": ["whole_network"],
    "attack_type": ["ransomware"],
    "personal_data": ["yes"],
    "attacker_active": ["unknown"],
    "backups": ["destroyed"],
    "ncsc_category": ["c3"],
}
HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> *bold* &amp;'


def roles(running: Sandbox) -> dict[str, str]:
    return {role: user for user, role in running.desk.roles}


async def states(running: Sandbox) -> list[State]:
    async with running.container.uow() as uow:
        return [i.state for i in await uow.incidents.list_open()]


async def report(ada: Seat, council: dict[str, str], shots: Path) -> str:
    """The assessor logs the referral from the triage channel; the incident's channel opens."""
    await ada.channel("cir-triage")
    await ada.say("/cir report")
    await ada.modal_titled("Report a cyber incident")
    await ada.search("council_id", council["query"], council["name"])
    await ada.type_in("ncsc_reference", "NCSC-2026-0042")
    await ada.type_in("description", f"Ransomware on the file servers. {HOSTILE}")
    detected = datetime.now(UTC) - timedelta(hours=2)
    await ada.when("detected_at", detected.strftime("%Y-%m-%d"), detected.strftime("%H:%M"))
    await ada.type_in("services_affected", "Benefits and payments")
    await ada.tick("attacker_active", "unknown")
    await ada.tick("personal_data", "yes")
    await ada.type_in("contact_name", "Head of ICT")
    await ada.type_in("contact_email", council["email"])
    await ada.type_in("contact_phone", "07700 900555")
    await ada.tick("bodies_told", "ncsc")
    await ada.shot(shots, "01-referral-form")
    await ada.submit()
    await ada.modal_closed()
    return await ada.channel_named(r"^cir-\d{4}-\d{4}-")


@dataclass
class Played:
    """An incident played as far as activation, and who played it."""

    cast: dict[str, str]
    council: dict[str, str]
    channel: str
    ada: Seat
    hana: Seat
    outsider: Seat


async def play_to_activation(running: Sandbox, root: str, browser: Any, shots: Path) -> Played:
    cast = roles(running)
    people = running.desk.ws.people
    council_person = people[cast["council contact"]]
    council_name = running.desk.ws.teams[council_person.team_id].name
    council = {"query": council_name[:4], "name": council_name, "email": council_person.email}

    ada = await Seat.open(browser, root, cast["assessor"])
    outsider = await Seat.open(browser, root, cast["outsider"])
    await ada.shot(shots, "00-start")

    # 1. Referral: the form with every kind of input, then the incident's own channel.
    channel = await report(ada, council, shots)
    card = await ada.sees("Start threshold check")
    await expect(card).to_contain_text("Benefits and payments")
    # Hostile text shows as text: nothing it carries runs
    await expect(ada.page.locator("#messages")).to_contain_text("<script>")
    assert await ada.page.evaluate("window.pwned") is None
    await ada.shot(shots, "02-incident-channel")

    # 2. The council's contact accepts the Slack Connect invitation; MHCLG confirms the workspace.
    hana = await Seat.open(browser, root, cast["council contact"])
    await hana.page.locator(f'[data-invite="{channel}"]').click()
    await expect(hana.channel_link(channel)).to_be_visible()
    await ada.channel("cir-triage")
    await ada.press(re.compile("^Confirm"), "workspace to confirm")
    await ada.channel(channel)

    # 3. Threshold check: questionnaire, recommendation, decision (an empty rationale refused).
    await ada.press("Start threshold check", "Start threshold check")
    await ada.modal_titled("Threshold check")
    for question, answers in RANSOMWARE.items():
        await ada.pick(question, *answers)
    await ada.submit()
    await expect(ada.modal).to_contain_text("Recommend")
    await ada.tick("decision", "activate")
    await ada.shot(shots, "03-recommendation")
    await ada.submit()
    await expect(ada.field("rationale").locator(".error")).not_to_be_empty()
    await ada.type_in("rationale", "C3: benefits down, backups destroyed.")
    await ada.submit()
    await ada.modal_closed()
    assert await states(running) == [State.AWAITING_MOU]

    # 4. The council signs the MoU; MHCLG activates; KPMG (on duty) is paged.
    await hana.channel(channel)
    await hana.say("/cir mou signed")
    await ada.sees("signed the MoU")
    await ada.say("/cir activate")
    await ada.modal_titled("Activate CIR")
    await ada.tick("provider", "on_duty")
    await ada.submit()
    await ada.modal_closed()
    await ada.sees(re.compile("activated"))
    assert await states(running) == [State.ACTIVATED]
    await ada.shot(shots, "04-activated")
    return Played(cast, council, channel, ada, hana, outsider)


async def test_a_whole_incident_played_by_its_people(
    sandbox: tuple[Sandbox, str], browser: Any, shots: Path
) -> None:
    running, root = sandbox
    played = await play_to_activation(running, root, browser, shots)
    cast, council, channel = played.cast, played.council, played.channel
    ada, hana, outsider = played.ada, played.hana, played.outsider
    people = running.desk.ws.people

    # The App Home lists the open incident to those in it, and to no one else.
    await ada.page.get_by_role("button", name="App Home").click()
    await expect(ada.page.locator("#home")).to_contain_text("CIR-2026-0001")
    await ada.shot(shots, "08-app-home")
    await outsider.page.get_by_role("button", name="App Home").click()
    await expect(outsider.page.locator("#home")).to_contain_text("No open incidents")
    await ada.page.get_by_role("button", name="Channels").click()

    # 5. The provider on duty acknowledges the page and records contact (the 30-minute clock).
    kim = await Seat.open(browser, root, cast["provider responder"])
    paging = await kim.channel_named(r"-paging$")
    await kim.press("Acknowledge", "Contact made")
    await kim.sees(re.compile("acknowledged", re.I))
    await kim.press("Contact made", "Contact made")
    await kim.modal_titled("Contact made")
    await kim.tick("method", "phone")
    await kim.type_in("notes", "Spoke to the Head of ICT.")
    await kim.shot(shots, "05-contact-form")
    await kim.submit()
    await kim.modal_closed()
    await kim.sees(re.compile("contact", re.I))
    assert paging.endswith("-paging")
    assert await states(running) == [State.CONTAINMENT]  # contact made starts containment

    # 6. KPMG's escalation contact accepts the channel's invitation; KPMG's people join it.
    escalation = next(p for p in people.values() if p.title == "KPMG escalation contact")
    kpmg_admin = await Seat.open(browser, root, escalation.id)
    await kpmg_admin.page.locator(f'[data-invite="{channel}"]').click()
    await expect(kim.channel_link(channel)).to_be_visible()

    # The council says something in the channel; the provider puts it on the timeline with the
    # message shortcut, and only the provider is told.
    await hana.say("The attacker's IP was 203.0.113.9.")
    await kim.channel(channel)
    await kim.shortcut_on("203.0.113.9", "Add to timeline")
    await kim.sees(re.compile("Added to the timeline of CIR-"))
    async with running.container.uow() as uow:
        [incident] = await uow.incidents.list_open()
        notes = [e for e in await uow.timeline.for_incident(incident.id) if "Note" in e.kind]
    assert any("203.0.113.9" in str(e.data) for e in notes)

    # 7. Phases: eradication (the provider), closed (MHCLG).
    await kim.say("/cir phase")
    await kim.modal_titled("Change phase")
    await kim.pick("target", "eradication")
    await kim.type_in("summary", "Hosts rebuilt, malware gone.")
    await kim.submit()
    await kim.modal_closed()
    await ada.sees(re.compile("Eradication"))
    await ada.channel(channel)
    await ada.say("/cir phase")
    await ada.modal_titled("Change phase")
    await ada.pick("target", "closed")
    await ada.type_in("summary", "Services restored.")
    await ada.submit()
    await ada.modal_closed()
    await ada.sees("Generate report")
    assert await states(running) == []

    # 8. Lessons from each organisation, then the report, which opens as a PDF.
    for seat in (ada, kim, hana):
        await seat.channel(channel)
        await seat.say("/cir lessons")
        await seat.modal_titled("Lessons learned")
        await seat.type_in("what_happened", "Ransomware encrypted the file servers overnight.")
        await seat.type_in("went_well", "Quick escalation.")
        await seat.type_in("hindered", "Stale out-of-band numbers.")
        await seat.submit()
        await seat.modal_closed()
    await ada.press("Generate report", "Generate report")
    link = ada.page.locator("#messages a[data-file$='.pdf']").last
    await expect(link).to_be_visible()
    await ada.shot(shots, "06-report")
    href = str(await link.get_attribute("href"))
    pdf = await ada.page.request.get(f"{root}{href}")
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    assert (await pdf.body()).startswith(b"%PDF")

    # 9. The council's contact has MHCLG's email, sent by GOV.UK Notify.
    await hana.page.get_by_role("button", name="Notify outbox").click()
    await expect(hana.page.locator("#outbox")).to_contain_text(council["email"])
    await expect(hana.page.locator("#outbox")).to_contain_text("CIR-2026")
    await hana.shot(shots, "07-outbox")

    # 10. The outsider saw none of it: no channel, no message, no file, nothing at home.
    await outsider.page.reload()
    await outsider.page.get_by_role("button", name="Channels").click()
    await expect(outsider.page.locator("#channel-head h1")).to_be_visible()
    shown = await outsider.page.locator("body").inner_text()
    assert "CIR-2026" not in shown
    assert channel not in shown
    assert "Ransomware" not in shown
    theirs = f"{root}{href.split('?')[0]}?as={outsider.user_id}"
    assert (await outsider.page.request.get(theirs)).status == 404
    await outsider.page.get_by_role("button", name="Notify outbox").click()
    await expect(outsider.page.locator("#outbox")).to_contain_text("Nothing sent yet.")
    await outsider.page.get_by_role("button", name="App Home").click()
    await expect(outsider.page.locator("#home")).not_to_contain_text("CIR-2026")
    await outsider.shot(shots, "09-outsider")
