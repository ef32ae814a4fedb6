"""The provider's page acknowledged and "contact made" recorded through signed Slack requests: the
ladder until contact, the form's refusals, only the assigned provider, and the answer to Slack
that never waits for a contact whose storing is held up."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.states import State
from bot.domain.uk_time import clock_time
from handlers.slack.ack_window import ACK_WINDOW_SECONDS
from tests.integration.slack_activation_steps import (
    ACCENTURE_PAGING,
    ACCENTURE_USER,
    DUTY_MANAGER_PHONE,
    KPMG_ESCALATION_PHONE,
    KPMG_PAGING,
    KPMG_USER,
    activated,
    answer_to,
    click,
    contact_form,
    ephemeral_to,
    held,
    kinds,
    submit,
)
from tests.integration.slack_activation_steps import notify_api as notify_api  # Notify configured
from tests.integration.slack_harness import ASSESSOR


async def test_reminder_escalation_then_contact_made_stops_the_ladder(
    slack_env, notify_api
) -> None:
    incident_id, channel = await activated(slack_env)
    await slack_env.send(click("acknowledge_page", incident_id, KPMG_USER, "T0KPMG", KPMG_PAGING))
    [thanks] = ephemeral_to(slack_env, KPMG_USER)
    assert "acknowledged" in thanks
    assert any("Kim Responder (KPMG) acknowledged the page" in t for t in slack_env.texts(channel))

    await slack_env.fire_due(minutes=20)
    assert any("Reminder: KPMG has not recorded contact" in t for t in slack_env.texts(KPMG_PAGING))
    await slack_env.fire_due(minutes=10)
    for person in ("U0KPMGESC", "U0DUTYMGR"):
        assert any("Escalation level 1" in t for t in slack_env.texts(person))
    assert any("Escalation level 1" in t for t in slack_env.texts(channel))
    sms_to = {m["to"] for m in notify_api.sent if m["route"] == "sms"}
    assert {KPMG_ESCALATION_PHONE, DUTY_MANAGER_PHONE} <= sms_to

    clicked_at = slack_env.clock.now()
    await slack_env.send(
        click("contact_made", incident_id, KPMG_USER, "T0KPMG", KPMG_PAGING, trigger_id="TRIGC")
    )
    [opened] = [c for c in slack_env.slack.calls_to("views.open") if c["trigger_id"] == "TRIGC"]
    assert opened["view"]["callback_id"] == "contact_form"
    contact_at = clicked_at - timedelta(minutes=5)
    assert await submit(slack_env, contact_form(incident_id, contact_at)) == {}
    incident = await slack_env.only_incident()
    assert incident.state is State.CONTAINMENT
    [recorded] = [e for e in await slack_env.timeline(incident_id) if e.kind == "ContactRecorded"]
    expected = contact_at.replace(microsecond=0)
    assert datetime.fromisoformat(recorded.data["contact_at"]) == expected
    assert recorded.data["method"] == "phone"
    assert recorded.data["met_deadline"] is True
    assert any(
        f"contact made at {clock_time(expected)} by Kim Responder (KPMG, phone)" in t
        and "within the 30-minute deadline" in t
        for t in slack_env.texts(channel)
    )

    watched = (KPMG_PAGING, "U0KPMGESC", "U0DUTYMGR", channel)
    posted = {c: len(slack_env.slack.messages(c)) for c in watched}
    sent, before = len(notify_api.sent), await slack_env.timeline(incident_id)
    await slack_env.fire_due(minutes=60)
    assert {c: len(slack_env.slack.messages(c)) for c in watched} == posted
    assert len(notify_api.sent) == sent
    new = kinds((await slack_env.timeline(incident_id))[len(before) :])
    assert "EscalationSent" not in new
    assert "ContactReminderSent" not in new

    await slack_env.send(
        click("contact_made", incident_id, KPMG_USER, "T0KPMG", KPMG_PAGING, trigger_id="TRIG2")
    )
    assert "already recorded" in ephemeral_to(slack_env, KPMG_USER)[-1]
    assert [c for c in slack_env.slack.calls_to("views.open") if c["trigger_id"] == "TRIG2"] == []
    again = await submit(slack_env, contact_form(incident_id, slack_env.clock.now()))
    assert "already recorded" in again["errors"]["contact_at"]
    assert (await slack_env.only_incident()).state is State.CONTAINMENT
    assert kinds(await slack_env.timeline(incident_id)).count("ContactRecorded") == 1


async def test_the_contact_form_refuses_bad_times_and_methods(slack_env) -> None:
    incident_id, _ = await activated(slack_env)
    now = slack_env.clock.now()
    future = await submit(slack_env, contact_form(incident_id, now + timedelta(minutes=10)))
    assert "not a time still to come" in future["errors"]["contact_at"]
    early = await submit(slack_env, contact_form(incident_id, now - timedelta(hours=1)))
    assert "after the page" in early["errors"]["contact_at"]
    pigeon = await submit(slack_env, contact_form(incident_id, now, method="pigeon"))
    assert "phone" in pigeon["errors"]["method"]
    assert (await slack_env.only_incident()).state is State.ACTIVATED
    assert "ContactRecorded" not in kinds(await slack_env.timeline(incident_id))


async def test_only_the_assigned_provider_can_acknowledge_or_record_contact(slack_env) -> None:
    incident_id, channel = await activated(slack_env)
    before = len(await slack_env.timeline(incident_id))
    await slack_env.send(click("acknowledge_page", incident_id, ASSESSOR, "T0MHCLG", channel))
    assert "Only people from the provider assigned" in ephemeral_to(slack_env, ASSESSOR)[-1]
    events = await slack_env.timeline(incident_id)
    assert kinds(events[before:]) == ["ActionRefused"]

    await slack_env.send(
        click(
            "contact_made",
            incident_id,
            ACCENTURE_USER,
            "T0ACCENTURE",
            ACCENTURE_PAGING,
            trigger_id="TRIGX",
        )
    )
    told = ephemeral_to(slack_env, ACCENTURE_USER)[-1]  # outside the incident: no names
    assert told == "That incident was not found, or it is not yours."
    assert "KPMG" not in told
    assert [c for c in slack_env.slack.calls_to("views.open") if c["trigger_id"] == "TRIGX"] == []
    assert len(await slack_env.timeline(incident_id)) == len(events)

    forged = await submit(
        slack_env, contact_form(incident_id, slack_env.clock.now(), user=ACCENTURE_USER)
    )
    assert "not found, or it is not yours" in forged["errors"]["contact_at"]
    refused = [e for e in await slack_env.timeline(incident_id) if e.kind == "ActionRefused"]
    assert refused[-1].data["action"] == "record_contact"
    assert refused[-1].organisation == "provider:accenture"

    await slack_env.send(click("acknowledge_page", incident_id, KPMG_USER, "T0KPMG", KPMG_PAGING))
    await slack_env.send(click("acknowledge_page", incident_id, KPMG_USER, "T0KPMG", KPMG_PAGING))
    assert "already acknowledged" in ephemeral_to(slack_env, KPMG_USER)[-1]
    assert kinds(await slack_env.timeline(incident_id)).count("PageAcknowledged") == 1
    assert (await slack_env.only_incident()).state is State.ACTIVATED


async def test_contact_made_is_acknowledged_in_time_when_storing_it_is_slow(
    slack_env, monkeypatch
) -> None:
    """An escalation being sent holds the incident's lock: the form must still be answered
    within Slack's 3 seconds, and the contact stored when the lock is free. Storing is held
    until the answer has arrived, so the answer cannot have waited for it."""
    incident_id, channel = await activated(slack_env)
    release = held(monkeypatch, "record_contact")
    status, text = await answer_to(slack_env, contact_form(incident_id, slack_env.clock.now()))
    assert status == 200
    assert text == ""
    assert (await slack_env.only_incident()).state is State.ACTIVATED  # not stored yet

    release.set()
    await slack_env.tasks.drain(within=30)
    assert (await slack_env.only_incident()).state is State.CONTAINMENT
    [told] = [
        c["text"] for c in slack_env.slack.calls_to("chat.postMessage") if c["channel"] == KPMG_USER
    ]
    assert f"Contact with the council for {(await slack_env.only_incident()).reference}" in told
    assert any("contact made at" in t for t in slack_env.texts(channel))


def test_the_answer_window_leaves_time_within_slacks_three_seconds() -> None:
    assert ACK_WINDOW_SECONDS <= 2.0


async def test_a_slow_contact_that_is_refused_is_explained_in_a_message(
    slack_env, monkeypatch
) -> None:
    incident_id, _ = await activated(slack_env)
    release = held(monkeypatch, "record_contact")
    future = slack_env.clock.now() + timedelta(minutes=10)
    status, text = await answer_to(slack_env, contact_form(incident_id, future))
    assert status == 200
    assert text == ""
    release.set()
    await slack_env.tasks.drain(within=30)
    [told] = [
        c["text"] for c in slack_env.slack.calls_to("chat.postMessage") if c["channel"] == KPMG_USER
    ]
    assert told.startswith("Contact made was not recorded")
    assert "not a time still to come" in told
    assert (await slack_env.only_incident()).state is State.ACTIVATED
