"""MoU, activation, the provider's page and "contact made" through signed Slack requests, with
the local Slack Web API and the local GOV.UK Notify standing in for the real ones."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.bindings import Platform
from bot.domain.states import State
from bot.usecases.contact import record_contact
from bot.views.clock import clock_time
from handlers.slack.ack_window import ACK_WINDOW_SECONDS
from handlers.slack.listeners import activation as listener
from storage.models import DeadlineRow
from tests.fakes import slack_requests as sr
from tests.fakes.notify_api import FakeNotifyApi
from tests.integration.slack_harness import ASSESSOR, INTERN, SECRET, SlackEnv
from tests.integration.test_slack_threshold import (
    RANSOMWARE,
    assess,
    assessment_id_of,
    decide,
    open_incident,
)
from tests.integration.waiting import until, within

KPMG_USER, ACCENTURE_USER, COUNCIL_USER = "U0KPMG1", "U0ACC1", "U0HACKNEY1"
KPMG_PAGING, ACCENTURE_PAGING = "C0KPMGPAGING", "C0ACCPAGING"
KPMG_ESCALATION_PHONE, DUTY_MANAGER_PHONE = "07700 900002", "07700 900100"


@pytest.fixture
async def notify_api() -> AsyncIterator[FakeNotifyApi]:
    async with FakeNotifyApi() as api:
        yield api


async def awaiting_mou(env: SlackEnv) -> tuple[str, str]:
    """An incident the assessor decided to activate, and its Slack channel."""
    env.slack.add_user(ACCENTURE_USER, "T0ACCENTURE", "Alex Accenture", "alex@acc.example")
    incident_id = await open_incident(env)
    await env.send(sr.block_actions("start_threshold_check", value=incident_id))
    update = await assess(env, incident_id, RANSOMWARE)
    await decide(env, assessment_id_of(update), "activate", "C3, benefits down, no backups.")
    assert (await env.only_incident()).state is State.AWAITING_MOU
    async with env.container.uow() as uow:
        channel = await uow.channels.for_incident(incident_id, Platform.SLACK)
    assert channel is not None
    return incident_id, channel.channel_id


def meta(incident_id: str) -> str:
    return json.dumps({"incident_id": incident_id})


def radio(value: str) -> dict[str, Any]:
    return {"value": {"type": "radio_buttons", "selected_option": {"value": value}}}


def override_form(incident_id: str, reason: str, user: str = ASSESSOR) -> str:
    values = {"reason": {"value": {"type": "plain_text_input", "value": reason}}}
    return sr.view_submission("override_mou_form", values, user, private_metadata=meta(incident_id))


def activate_form(incident_id: str, choice: str, user: str = ASSESSOR) -> str:
    values = {"provider": radio(choice)}
    return sr.view_submission("activate_form", values, user, private_metadata=meta(incident_id))


def contact_form(
    incident_id: str, at: datetime, method: str = "phone", user: str = KPMG_USER, team: str = ""
) -> str:
    values = {
        "contact_at": {
            "value": {"type": "datetimepicker", "selected_date_time": int(at.timestamp())}
        },
        "method": radio(method),
        "notes": {"value": {"type": "plain_text_input", "value": "Spoke to the CISO."}},
    }
    team = team or ("T0KPMG" if user == KPMG_USER else "T0ACCENTURE")
    return sr.view_submission(
        "contact_form", values, user, team_id=team, private_metadata=meta(incident_id)
    )


def click(action: str, incident_id: str, user: str, team: str, channel: str, **kw: Any) -> str:
    """A press in a Slack Connect channel: `team` is MHCLG's workspace, `user.team_id` the
    presser's own."""
    return sr.block_actions(
        action, value=incident_id, user_id=user, user_team_id=team, channel_id=channel, **kw
    )


async def submit(env: SlackEnv, body: str) -> dict[str, Any]:
    status, text = await env.send(body)
    assert status == 200
    return json.loads(text) if text else {}


async def activated(env: SlackEnv, choice: str = "on_duty") -> tuple[str, str]:
    incident_id, channel = await awaiting_mou(env)
    assert await submit(env, override_form(incident_id, "Council's email is compromised.")) == {}
    assert await submit(env, activate_form(incident_id, choice)) == {}
    assert (await env.only_incident()).state is State.ACTIVATED
    await env.fire_due()  # the page and the email, due at once
    return incident_id, channel


async def pending_and_fired(env: SlackEnv, incident_id: str) -> list[tuple[str, str]]:
    async with env.container.uow() as uow:
        rows = await uow.session.execute(
            select(DeadlineRow.kind, DeadlineRow.state).where(
                DeadlineRow.incident_id == incident_id
            )
        )
        return [(kind, state) for kind, state in rows]


def kinds(events: list[Any]) -> list[str]:
    return [e.kind for e in events]


def ephemeral_to(env: SlackEnv, user: str) -> list[str]:
    return [c["text"] for c in env.slack.calls_to("chat.postEphemeral") if c["user"] == user]


def last_card(env: SlackEnv, channel: str) -> str:
    updates = [c for c in env.slack.calls_to("chat.update") if c["channel"] == channel]
    return env.slack.message_text(updates[-1])


async def test_the_provider_records_the_mou_sent_and_an_intern_is_refused(slack_env) -> None:
    incident_id, channel = await awaiting_mou(slack_env)
    await slack_env.send(click("mou_sent", incident_id, INTERN, "T0MHCLG", channel))
    [refusal] = ephemeral_to(slack_env, INTERN)  # not in the CIR team: an outsider
    assert refusal == "That incident was not found, or it is not yours."
    assert (await slack_env.only_incident()).mou_status.value == "not_sent"
    refused = [e for e in await slack_env.timeline(incident_id) if e.kind == "ActionRefused"]
    assert refused[-1].data["action"] == "record_mou_sent" and INTERN in refused[-1].actor_id

    await slack_env.send(click("mou_sent", incident_id, KPMG_USER, "T0KPMG", channel))
    assert (await slack_env.only_incident()).mou_status.value == "sent"
    [recorded] = [e for e in await slack_env.timeline(incident_id) if e.kind == "MouStatusRecorded"]
    assert recorded.organisation == "provider:kpmg" and recorded.actor_name == "Kim Responder"
    assert any("Kim Responder recorded that the MoU has been sent" in t for t in slack_env.texts())
    assert "MoU: sent by the provider" in last_card(slack_env, channel)


async def test_activation_is_refused_inline_while_the_mou_is_unsigned(slack_env) -> None:
    incident_id, _ = await awaiting_mou(slack_env)
    answer = await submit(slack_env, activate_form(incident_id, "on_duty"))
    assert answer["response_action"] == "errors"
    assert "Memorandum of Understanding" in answer["errors"]["provider"]
    incident = await slack_env.only_incident()
    assert incident.state is State.AWAITING_MOU and incident.provider_ids == ()
    async with slack_env.container.uow() as uow:
        assert await uow.engagements.for_incident(incident_id) == []
        assert all(
            d.kind.value != "contact_escalation"
            for d in await uow.deadlines.pending_for(incident_id)
        )
    assert slack_env.slack.messages(KPMG_PAGING) == []
    assert "ProviderPaged" not in kinds(await slack_env.timeline(incident_id))


async def test_the_council_signs_by_command_and_both_providers_are_paged(slack_env) -> None:
    policy = slack_env.container.ctx.policy
    policy.councils["hackney"] = replace(policy.councils["hackney"], slack_team_id="T0HACKNEY")
    slack_env.slack.add_user(COUNCIL_USER, "T0HACKNEY", "Hana Council", "hana@hackney.example")
    incident_id, channel = await awaiting_mou(slack_env)
    await slack_env.send(
        sr.slash_command(text="mou signed", user_id=COUNCIL_USER, channel_id=channel)
    )
    assert (await slack_env.only_incident()).mou_status.value == "signed"
    assert any("the council has signed the MoU" in t for t in slack_env.texts(channel))

    await slack_env.send(
        sr.slash_command(text="activate", channel_id=channel, trigger_id="TRIGACT")
    )
    [opened] = [c for c in slack_env.slack.calls_to("views.open") if c["trigger_id"] == "TRIGACT"]
    view = opened["view"]
    assert view["callback_id"] == "activate_form"
    shown = json.dumps(view["blocks"])
    assert "On duty today: KPMG" in shown and "The other provider: Accenture" in shown
    assert "Both (mass event): Accenture and KPMG" in shown and "30 minutes" in shown

    assert await submit(slack_env, activate_form(incident_id, "both")) == {}
    assert len(slack_env.slack.messages(KPMG_PAGING)) == 1  # both paged at once
    assert len(slack_env.slack.messages(ACCENTURE_PAGING)) == 1
    assert await slack_env.fire_due() == 1  # the council's email
    incident = await slack_env.only_incident()
    assert set(incident.provider_ids) == {"kpmg", "accenture"}
    for paging in (KPMG_PAGING, ACCENTURE_PAGING):
        [page] = slack_env.slack.messages(paging)
        assert "Also assigned" in slack_env.slack.message_text(page)
    assert any("activated: Accenture and KPMG paged" in t for t in slack_env.texts(channel))


async def test_an_override_needs_a_reason_and_an_assessor(slack_env) -> None:
    incident_id, channel = await awaiting_mou(slack_env)
    await slack_env.send(
        click("override_mou", incident_id, ASSESSOR, "T0MHCLG", channel, trigger_id="TRIGOVR")
    )
    [opened] = [c for c in slack_env.slack.calls_to("views.open") if c["trigger_id"] == "TRIGOVR"]
    assert opened["view"]["callback_id"] == "override_mou_form"
    assert json.loads(opened["view"]["private_metadata"])["incident_id"] == incident_id

    blank = await submit(slack_env, override_form(incident_id, "   "))
    assert blank["response_action"] == "errors" and "reason" in blank["errors"]
    intern = await submit(slack_env, override_form(incident_id, "Urgent.", user=INTERN))
    assert "not found, or it is not yours" in intern["errors"]["reason"]
    assert (await slack_env.only_incident()).mou_override_reason == ""
    assert "ActionRefused" in kinds(await slack_env.timeline(incident_id))

    assert await submit(slack_env, override_form(incident_id, "Council's email is down.")) == {}
    assert (await slack_env.only_incident()).mou_override_reason == "Council's email is down."
    assert any("Ada Assessor overrode the MoU" in t for t in slack_env.texts(channel))
    again = await submit(slack_env, override_form(incident_id, "Again."))
    assert "already overridden" in again["errors"]["reason"]


async def test_activation_pages_the_provider_on_duty_and_tells_the_council(
    slack_env, notify_api
) -> None:
    incident_id, channel = await awaiting_mou(slack_env)
    await submit(slack_env, override_form(incident_id, "Council's email is compromised."))
    await slack_env.send(
        click("activate", incident_id, ASSESSOR, "T0MHCLG", channel, trigger_id="TRIGA")
    )
    [opened] = [c for c in slack_env.slack.calls_to("views.open") if c["trigger_id"] == "TRIGA"]
    assert "overridden by an assessor" in json.dumps(opened["view"]["blocks"])

    assert await submit(slack_env, activate_form(incident_id, "on_duty")) == {}
    incident = await slack_env.only_incident()
    assert incident.state is State.ACTIVATED and incident.provider_ids == ("kpmg",)
    # the page went as soon as the form was answered; the email is the scheduler's, due now
    assert len(slack_env.slack.messages(KPMG_PAGING)) == 1
    page_fired = [
        d for d in await pending_and_fired(slack_env, incident_id) if d[0] == "provider_page"
    ]
    assert page_fired == [("provider_page", "fired")]
    assert await slack_env.fire_due() == 1
    deadline = clock_time(slack_env.clock.now() + timedelta(minutes=30))
    [page] = slack_env.slack.messages(KPMG_PAGING)
    buttons = [e for b in page["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("acknowledge_page", incident_id),
        ("contact_made", incident_id),
    ]
    assert deadline in slack_env.slack.message_text(page)
    assert slack_env.slack.messages(ACCENTURE_PAGING) == []
    [email] = [m for m in notify_api.sent if m["to"] == "hana@hackney.example"]
    assert "Cyber Incident Response activated" in email["content"]["subject"]
    invited = [c["emails"] for c in slack_env.slack.calls_to("conversations.inviteShared")]
    assert any("cir-escalation@kpmg.example" in str(e) for e in invited)
    assert any(f"KPMG paged; contact due by {deadline}" in t for t in slack_env.texts(channel))
    await slack_env.container.slack.room.refresh(incident_id)  # as the next change would
    card = last_card(slack_env, channel)
    assert "Activated" in card and "Provider contact deadline" in card
    assert "KPMG: paged" in card and f"contact due by {deadline}" in card and "min left" in card
    events = kinds(await slack_env.timeline(incident_id))
    assert {"ProviderPaged", "ActivationEmailSent", "PageDelivered", "ProviderInvited"} <= set(
        events
    )


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
    assert recorded.data["method"] == "phone" and recorded.data["met_deadline"] is True
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
    assert "EscalationSent" not in new and "ContactReminderSent" not in new

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
    assert told == "That incident was not found, or it is not yours." and "KPMG" not in told
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


async def test_help_lists_the_commands_and_mou_says_how_to_use_it(slack_env) -> None:
    _, answer = await slack_env.send(sr.slash_command(text="help"))
    for usage in ("/cir mou sent|signed", "/cir override-mou", "/cir activate"):
        assert usage in answer
    await slack_env.send(sr.slash_command(text="mou maybe", user_id=KPMG_USER))
    assert "Usage: `/cir mou sent|signed" in ephemeral_to(slack_env, KPMG_USER)[-1]
    await slack_env.send(sr.slash_command(text="activate", channel_id="C0TRIAGE"))
    assert "/cir activate CIR-2026-0001" in ephemeral_to(slack_env, ASSESSOR)[-1]


async def test_with_the_scheduler_running_the_page_goes_out_without_waiting_for_a_sweep(
    slack_env,
) -> None:
    """As in production: the listener wakes the scheduler, which sends the page at once. The
    harness's sweep is an hour away, so the page can only come from the listener."""
    incident_id, _ = await awaiting_mou(slack_env)
    await submit(slack_env, override_form(incident_id, "Council's email is compromised."))
    scheduler = slack_env.runtime.scheduler
    await scheduler.start()
    try:
        await within(scheduler.caught_up(), "the scheduler's first pass")
        assert slack_env.slack.messages(KPMG_PAGING) == []
        assert await submit(slack_env, activate_form(incident_id, "on_duty")) == {}

        async def paged() -> bool:
            return bool(slack_env.slack.messages(KPMG_PAGING))

        await until(paged, "the provider's page (the sweep is an hour away)")
    finally:
        await scheduler.stop()
    [page] = slack_env.slack.messages(KPMG_PAGING)
    assert "has activated Cyber Incident Response" in slack_env.slack.message_text(page)


def held_record_contact(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Storing "contact made" waits (as behind an escalation holding the incident's lock)
    until the returned event is set."""
    release = asyncio.Event()

    async def held(*args: Any, **kwargs: Any) -> Any:
        await release.wait()
        return await record_contact(*args, **kwargs)

    monkeypatch.setattr(listener, "record_contact", held)
    return release


async def answer_to(env: SlackEnv, body: str) -> tuple[int, str]:
    """The HTTP answer to a request, without waiting for the work that follows it."""
    return await within(
        sr.post(env.session, env.url, body, SECRET),
        "Slack's answer while the contact is still being stored",
    )


async def test_contact_made_is_acknowledged_in_time_when_storing_it_is_slow(
    slack_env, monkeypatch
) -> None:
    """An escalation being sent holds the incident's lock: the form must still be answered
    within Slack's 3 seconds, and the contact stored when the lock is free. Storing is held
    until the answer has arrived, so the answer cannot have waited for it."""
    incident_id, channel = await activated(slack_env)
    release = held_record_contact(monkeypatch)
    status, text = await answer_to(slack_env, contact_form(incident_id, slack_env.clock.now()))
    assert status == 200 and text == ""
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
    release = held_record_contact(monkeypatch)
    future = slack_env.clock.now() + timedelta(minutes=10)
    status, text = await answer_to(slack_env, contact_form(incident_id, future))
    assert status == 200 and text == ""  # acknowledged: the refusal is not known yet
    release.set()
    await slack_env.tasks.drain(within=30)
    [told] = [
        c["text"] for c in slack_env.slack.calls_to("chat.postMessage") if c["channel"] == KPMG_USER
    ]
    assert told.startswith("Contact made was not recorded") and "not a time still to come" in told
    assert (await slack_env.only_incident()).state is State.ACTIVATED


async def test_only_an_assessor_gets_the_activate_and_override_forms(slack_env) -> None:
    incident_id, channel = await awaiting_mou(slack_env)
    opened_before = len(slack_env.slack.calls_to("views.open"))
    for action in ("activate", "override_mou"):
        await slack_env.send(click(action, incident_id, "U0KPMG1", "T0KPMG", channel))
    assert len(slack_env.slack.calls_to("views.open")) == opened_before
    refusals = ephemeral_to(slack_env, "U0KPMG1")
    assert len(refusals) == 2 and all("assessors" in r for r in refusals)
    assert (await slack_env.only_incident()).state is State.AWAITING_MOU
