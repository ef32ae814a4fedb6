"""One incident spanning Slack and Teams, end to end, as a stranger would check it.

MHCLG works on Slack; Hackney (the council) and KPMG (the provider on duty) on Microsoft Teams.
Every step reaches the real service as the platforms send it (Slack's signed requests, Teams'
signed activities posted to /api/messages), and every check reads what a person would look at:
what each platform's stand-in was given to show (the card's words, its buttons, who it names),
the incident's timeline and its deadline rows. Time moves on the service's clock only.

The story: MHCLG logs the referral and runs the threshold check on Slack; the council signs the
MoU on Teams; MHCLG activates on Slack; KPMG's page arrives on Teams as a proactive Adaptive
Card, is acknowledged there; the contact deadline is missed, so KPMG's escalation contact is
messaged in a personal chat the bot opens itself; KPMG records contact on Teams; phases and
status updates pass both ways, each marked with who said it and for which organisation; MHCLG
closes on Slack; the council gives its lessons on Teams; the report reaches the council.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain.deadlines import DeadlineKind, DeadlineState
from bot.domain.states import State
from bot.domain.timeline import verify
from tests.e2e.across_rig import (
    ADAPTIVE,
    DUTY_MANAGER,
    MESSAGE,
    AcrossEnv,
    buttons,
    card_words,
)
from tests.e2e.across_rig import across_env as across_env  # the fixture
from tests.e2e.across_steps import assessed, deadline_rows, installed_on_teams, referred
from tests.factories import TIMELINE_KEY
from tests.integration.slack_activation_steps import activate_form, submit
from tests.integration.slack_harness import ASSESSOR
from tests.integration.slack_response_steps import change_phase, press, slash, submission


async def test_one_incident_across_slack_and_teams(across_env: AcrossEnv) -> None:
    env = across_env
    p = env.p
    await installed_on_teams(env)

    # --- referral and threshold check on Slack; the council sees its incident on Teams --------
    incident_id = await referred(env)
    reference = str((await env.incident(incident_id)).reference)
    channel = await env.slack_channel(incident_id)
    referred_card = card_words(await env.incident_card(p.hackney, incident_id))
    assert f"{reference} · London Borough of Hackney" in referred_card
    assert "Referral received" in referred_card
    await assessed(env, incident_id)
    hackney_card = await env.incident_card(p.hackney, incident_id)
    assert reference in card_words(hackney_card)
    assert "London Borough of Hackney" in card_words(hackney_card)
    assert "**State:** Awaiting MoU" in card_words(hackney_card)
    # one card, redrawn in place: the council's conversation holds it once, in several versions
    [drawn] = [a for a in env.t.connector.posted(p.hackney.id) if a.activity.get("attachments")]
    assert len(drawn.versions) > 1
    assert not [c for c in env.cards(p.kpmg) if reference in card_words(c)], (
        "KPMG sees nothing before it is assigned"
    )
    # the council is on Teams: it is not invited into MHCLG's Slack by Slack Connect
    assert env.slack.calls_to("conversations.inviteShared") == []

    # --- the council signs the MoU on Teams -------------------------------------------------
    assert ("mou_signed", incident_id) in [(v, k) for _, v, k in buttons(hackney_card)]
    answer = await env.press(p.hackney, p.hana, "mou_signed", incident_id)
    assert answer["type"] == ADAPTIVE, answer
    signed = [e for e in await env.timeline(incident_id) if e.kind == "MouStatusRecorded"]
    assert signed
    assert signed[-1].organisation == "council:hackney"
    assert signed[-1].actor_name == "Hana Council"

    # --- MHCLG activates on Slack; KPMG's page arrives on Teams as a proactive card --------
    assert await submit(env, activate_form(incident_id, "on_duty")) == {}
    assert (await env.only_incident()).state is State.ACTIVATED
    await env.fire_due()
    [posted] = [
        a.activity
        for a in env.t.connector.posted(p.kpmg.id)
        if "assigned KPMG" in card_words(a.activity)
    ]
    [attachment] = posted["attachments"]
    assert attachment["contentType"] == ADAPTIVE  # an Adaptive Card, posted unprompted
    page = attachment["content"]
    assert (page["type"], page["version"]) == ("AdaptiveCard", "1.5")
    assert reference in posted["summary"]  # what Teams' notification says
    words = card_words(page)
    assert reference in words
    assert "London Borough of Hackney" in words
    assert "Contact the council by" in words
    assert "Hana Council, hana@hackney.example, 07700 900555" in words  # out-of-band contact
    assert buttons(page) == [
        ("Acknowledge", "acknowledge_page", incident_id),
        ("Contact made", "contact_made", incident_id),
    ]
    events = await env.timeline(incident_id)
    [delivered] = [e for e in events if e.kind == "PageDelivered"]
    assert delivered.data["ok"] is True

    # --- acknowledged on Teams: the card answers for the person, the record says who -------
    answer = await env.press(p.kpmg, p.kim, "acknowledge_page", incident_id)
    assert answer["type"] == ADAPTIVE
    [ack] = [e for e in await env.timeline(incident_id) if e.kind == "PageAcknowledged"]
    assert (ack.organisation, ack.actor_name) == ("provider:kpmg", "Kim Responder")
    assert "Kim Responder" in env.slack_card(channel)  # MHCLG's card, redrawn on Slack

    # --- the contact deadline passes: KPMG's escalation contact is messaged on Teams --------
    await env.fire_due(minutes=20)  # the reminder, in KPMG's conversation
    assert any("reminder" in t.lower() and reference in t for t in env.card_texts(p.kpmg))
    await env.fire_due(minutes=10, seconds=1)  # the contact deadline
    kai_chat = env.t.connector.personal_chat_with(p.kai)
    assert kai_chat is not None, "no personal chat was opened with KPMG's escalation contact"
    [escalation] = env.card_texts(kai_chat)
    assert f"Contact deadline missed: {reference}" in escalation
    assert "Escalation level 1: KPMG has not recorded contact with London Borough of Hackney" in (
        escalation
    )
    assert [t for t in env.slack_texts(DUTY_MANAGER) if reference in t], "duty manager not told"
    events = await env.timeline(incident_id)
    [sent] = [e for e in events if e.kind == "EscalationSent"]
    assert sent.data["level"] == 1
    teams_routes = {r["recipient"]: r["ok"] for r in sent.data["routes"] if "teams" in r["route"]}
    assert teams_routes, sent.data["routes"]
    assert all(teams_routes.values()), sent.data["routes"]
    rows = await deadline_rows(env, incident_id)
    assert (DeadlineKind.CONTACT_REMINDER.value, DeadlineState.FIRED.value, 0) in rows
    assert (DeadlineKind.CONTACT_ESCALATION.value, DeadlineState.FIRED.value, 1) in rows
    assert (DeadlineKind.CONTACT_ESCALATION.value, DeadlineState.PENDING.value, 2) in rows

    # --- contact recorded on Teams (the form in place of the card, then its submit) ---------
    form = await env.press(p.kpmg, p.kim, "contact_made", incident_id)
    assert "contact_form" in [v for _, v, _ in buttons(form["value"])]
    at = (env.clock.now() - timedelta(minutes=2)).isoformat()
    answer = await env.press(
        p.kpmg, p.kim, "contact_form", incident_id, contact_at=at, method="phone",
        notes="Spoke to the CISO.",
    )  # fmt: skip
    assert answer["type"] == ADAPTIVE
    assert (await env.incident(incident_id)).state is State.CONTAINMENT
    [contact] = [e for e in await env.timeline(incident_id) if e.kind == "ContactRecorded"]
    assert contact.organisation == "provider:kpmg"
    rows = await deadline_rows(env, incident_id)
    ladder = (DeadlineKind.CONTACT_REMINDER.value, DeadlineKind.CONTACT_ESCALATION.value)
    assert not [r for r in rows if r[0] in ladder and r[1] == DeadlineState.PENDING.value]
    # mirrored to Slack, marked with who recorded it and for which organisation
    [mirrored] = [t for t in env.slack_texts(channel) if f"Contact made: {reference}" in t]
    assert "Kim Responder (KPMG)" in mirrored
    assert "Spoke to the CISO." in mirrored

    # --- a phase change on Teams, mirrored to Slack -----------------------------------------
    form = await env.press(p.kpmg, p.kim, "change_phase", incident_id)
    assert "phase_form" in [v for _, v, _ in buttons(form["value"])]
    answer = await env.press(
        p.kpmg, p.kim, "phase_form", incident_id, target="eradication",
        summary="Attacker locked out; hosts isolated.",
    )  # fmt: skip
    assert "Eradication" in card_words(answer["value"])
    [phase] = [t for t in env.slack_texts(channel) if f"Phase change: {reference}" in t]
    assert "Kim Responder (KPMG)" in phase
    assert "Attacker locked out; hosts isolated." in phase
    assert "Eradication" in env.slack_card(channel)

    # the phase change reached the council's conversation on Teams too
    [to_council] = [t for t in env.card_texts(p.hackney) if f"Phase change: {reference}" in t]
    assert "Kim Responder (KPMG)" in to_council

    # each organisation's card names its own people on Teams to refresh it for them
    for where, who in ((p.hackney, p.hana), (p.kpmg, p.kai)):
        card = await env.incident_card(where, incident_id)
        assert card["refresh"]["userIds"] == [f"8:orgid:{who.aad_object_id}"]
        assert card["refresh"]["action"]["verb"] == "refresh"
    # the same rules as on Slack: the council cannot post the provider's status update
    refused = await env.press(p.hackney, p.hana, "post_update", incident_id)
    assert refused["type"] == MESSAGE
    assert "Only the incident's provider or MHCLG" in refused["value"]

    # --- notes both ways, and the council's recovery opt-in on Teams ------------------------
    form = await env.press(p.hackney, p.hana, "add_note", incident_id)
    assert "note_form" in [v for _, v, _ in buttons(form["value"])]
    await env.press(p.hackney, p.hana, "note_form", incident_id, note="Backups found offsite.")
    [note] = [t for t in env.slack_texts(channel) if f"Timeline note: {reference}" in t]
    assert "Hana Council (London Borough of Hackney)" in note
    assert "Backups found offsite." in note
    [to_kpmg] = [t for t in env.card_texts(p.kpmg) if "Backups found offsite." in t]
    assert "Hana Council (London Borough of Hackney)" in to_kpmg
    status, _ = await env.send(slash("note Press office briefed.", ASSESSOR, channel))
    assert status == 200
    for where in (p.hackney, p.kpmg):
        [from_slack] = [t for t in env.card_texts(where) if "Press office briefed." in t]
        assert "Ada Assessor (MHCLG)" in from_slack
    await env.press(p.hackney, p.hana, "recovery_opt_in", incident_id)
    assert (await env.incident(incident_id)).recovery_opt_in is True
    assert "Recovery (council-funded): council opted in" in env.slack_card(channel)

    # --- status updates both ways -----------------------------------------------------------
    # Teams to Slack: KPMG posts on Teams
    form = await env.press(p.kpmg, p.kim, "post_update", incident_id)
    assert "status_update_form" in [v for _, v, _ in buttons(form["value"])]
    await env.press(
        p.kpmg, p.kim, "status_update_form", incident_id,
        what_changed="AD rebuilt from gold image.", impact="Benefits still offline.",
        next_steps="Restore payments server tonight.", personal_data="not_involved",
    )  # fmt: skip
    [from_teams] = [t for t in env.slack_texts(channel) if "AD rebuilt from gold image." in t]
    # the council, on Teams too but in its own conversation, is sent it there
    [to_council] = [t for t in env.card_texts(p.hackney) if "AD rebuilt from gold image." in t]
    assert "Kim Responder (KPMG)" in to_council
    assert not [t for t in env.card_texts(p.kpmg) if "AD rebuilt from gold image." in t]
    assert "Kim Responder (KPMG)" in from_teams
    assert "Restore payments server tonight." in from_teams
    # Slack to Teams: MHCLG posts on Slack; the council and KPMG each see it on Teams
    body = submission(
        "status_update_form", incident_id, channel, ASSESSOR, what_changed="Ministers briefed.",
        impact="Press line agreed.", next_steps="Next briefing at 09:00.",
    )  # fmt: skip
    assert await submit(env, body) == {}
    for where in (p.hackney, p.kpmg):
        [from_slack] = [t for t in env.card_texts(where) if "Ministers briefed." in t]
        assert "Ada Assessor (MHCLG)" in from_slack, from_slack
        assert "Next briefing at 09:00." in from_slack
    posted = [e for e in await env.timeline(incident_id) if e.kind == "StatusUpdatePosted"]
    assert [(e.organisation, e.actor_name) for e in posted] == [
        ("provider:kpmg", "Kim Responder"),
        ("mhclg:mhclg", "Ada Assessor"),
    ]

    # --- MHCLG closes on Slack; the council gives its lessons on Teams ----------------------
    assert await change_phase(env, incident_id, channel, ASSESSOR, "closed", "Restored.") == {}
    assert (await env.incident(incident_id)).state is State.CLOSED
    hackney_now = await env.incident_card(p.hackney, incident_id)
    assert "Closed" in card_words(hackney_now)
    [closed] = [t for t in env.card_texts(p.hackney) if "to Closed" in t]
    assert "Ada Assessor (MHCLG)" in closed
    assert ("give_lessons", incident_id) in [(v, k) for _, v, k in buttons(hackney_now)]
    form = await env.press(p.hackney, p.hana, "give_lessons", incident_id)
    assert "London Borough of Hackney" in card_words(form["value"])
    await env.press(
        p.hackney, p.hana, "lessons_form", incident_id,
        what_happened="File servers encrypted overnight.", hindered="MFA was missing on the VPN.",
        recommendation_1="MFA on the VPN", recommendation_1_owner="Council ICT",
    )  # fmt: skip
    [lessons] = [e for e in await env.timeline(incident_id) if e.kind == "LessonsSubmitted"]
    assert (lessons.organisation, lessons.actor_name) == ("council:hackney", "Hana Council")

    # --- the report: generated on Slack with the council's lessons, delivered to the council
    await press(env, "generate_report", incident_id, ASSESSOR, channel)
    [markdown] = [u for u in env.slack.uploads if u.filename.endswith(".md")]
    assert "MFA was missing on the VPN." in markdown.data.decode()
    await press(env, "share_report:council", f"{incident_id}:council", ASSESSOR, channel)
    assert env.notify is not None
    files = [s for s in env.notify.sent if "link_to_file" in s.get("personalisation", {})]
    assert [s["to"] for s in files] == ["hana@hackney.example", "ciso@hackney.example"]
    pdf = next(u.data for u in env.slack.uploads if u.filename.endswith(".pdf"))
    for sent in files:
        assert env.notify.files[sent["personalisation"]["link_to_file"]]["content"] == pdf
    await env.fire_due(minutes=1)  # the delivery check asks Notify
    checked = [e for e in await env.timeline(incident_id) if e.kind == "ReportDeliveryChecked"]
    assert {e.data["state"] for e in checked} == {"delivered"}
    assert (await env.incident(incident_id)).state is State.REPORT_ISSUED
    hackney_last = await env.incident_card(p.hackney, incident_id)
    shared = [line for line in card_words(hackney_last).splitlines() if "v1 PDF" in line]
    assert len(shared) == 2
    assert all(line.endswith(": delivered") for line in shared), shared
    assert "London Borough of Hackney (hana@hackney.example): v1 PDF" in shared[0]

    # --- one record: every event hash-chained, nothing pending that should not be -----------
    events = await env.timeline(incident_id)
    assert verify(TIMELINE_KEY, events) == []
    rows = await deadline_rows(env, incident_id)
    assert not [r for r in rows if r[0] in ladder and r[1] == DeadlineState.PENDING.value]
