"""Faults the service must ride through, driven through the whole service: signed Slack
requests, the Slack stand-in answering an outage, the real scheduler and a real database that
is stopped and started. Time is the injected clock; assertions are on what each person
received and on the timeline, never on how long anything took."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.exc import DBAPIError

from bot.domain.deadlines import DeadlineKind
from handlers.notify.client import NotifyNotifier
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack import signed_requests as sr
from tests.integration.pg_control import pg_dir, start_postgres, stop_postgres
from tests.integration.slack_activation_steps import (
    DUTY_MANAGER_PHONE,
    KPMG_ESCALATION_PHONE,
    activated,
    ephemeral_to,
)
from tests.integration.slack_harness import SlackEnv, referral_submission

PEOPLE = ("U0KPMGESC", "U0DUTYMGR")  # the provider's escalation contact, MHCLG's duty manager


@pytest.fixture
async def notify_api() -> AsyncIterator[FakeNotifyApi]:
    async with FakeNotifyApi() as api:
        yield api


def level_1(env: SlackEnv, channel: str) -> list[str]:
    return [t for t in env.texts(channel) if "Escalation level 1" in t]


def sms_to(api: FakeNotifyApi, phone: str) -> int:
    return sum(1 for m in api.sent if m["route"] == "sms" and m["to"] == phone)


async def sweep(env: SlackEnv) -> bool:
    """One pass of the scheduler; False when it failed (the service logs that and sweeps
    again at the next interval)."""
    try:
        await env.runtime.scheduler.fire_due()
    except DBAPIError:
        return False
    return True


async def events(env: SlackEnv, incident_id: str, kind: str) -> list[dict]:
    return [e.data for e in await env.timeline(incident_id) if e.kind == kind]


async def test_slack_503_from_before_the_deadline_until_after_it(slack_env, notify_api) -> None:
    """Slack answers 503 with a plain-text page (no JSON) from 25 minutes until well after the
    30-minute deadline. SMS and email go out on time; once Slack is back every Slack route
    receives its escalation exactly once, and the timeline names what Slack said."""
    env = slack_env
    incident_id, channel = await activated(env)
    await env.fire_due(minutes=20)  # the reminder, before the outage
    env.slack.outage(503)
    await env.fire_due(minutes=10)  # level 1 falls due in the outage

    for phone in (KPMG_ESCALATION_PHONE, DUTY_MANAGER_PHONE):
        assert sms_to(notify_api, phone) == 1  # on time, whatever Slack does
    [sent] = await events(env, incident_id, "EscalationSent")
    slack_routes = [r for r in sent["routes"] if r["route"].startswith("slack:")]
    assert len(slack_routes) == 3
    assert not any(r["ok"] for r in slack_routes)
    assert {r["error"] for r in slack_routes} == {"Slack answered 503"}

    for seconds in (15, 15, 30, 60):  # retries while Slack is still down: backoff, no sends
        await env.fire_due(seconds=seconds)
    assert all(level_1(env, where) == [] for where in (*PEOPLE, channel))

    env.slack.restore()
    await env.fire_due(minutes=3)
    for where in (*PEOPLE, channel):
        assert len(level_1(env, where)) == 1, where
    [retried, *later] = await events(env, incident_id, "EscalationRetried")
    assert later == []
    assert all(r["ok"] for r in retried["routes"])
    assert retried["level"] == 1
    for phone in (KPMG_ESCALATION_PHONE, DUTY_MANAGER_PHONE):
        assert sms_to(notify_api, phone) == 1  # not sent again by the Slack routes' retries

    await env.fire_due(minutes=10)  # and nothing more of level 1, ever
    assert all(len(level_1(env, where)) == 1 for where in (*PEOPLE, channel))
    async with env.container.uow() as uow:
        pending = await uow.deadlines.pending_for(incident_id)
    assert DeadlineKind.ESCALATION_RETRY not in {d.kind for d in pending}


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_database_stopped_and_restarted_across_the_deadline(slack_env, notify_api) -> None:
    """PostgreSQL stops at 25 minutes and comes back after 30. A `/cir note` sent meanwhile is
    answered, then its author is told in plain words that it was not saved (it is not half
    stored); the deadline missed meanwhile fires once, after the database is back."""
    pg_dir()  # skips unless the tests run their own server
    env = slack_env
    incident_id, channel = await activated(env)
    await env.fire_due(minutes=20)
    env.clock.advance(minutes=5)
    stop_postgres()
    try:
        note = sr.slash_command(text="note Server room door forced", channel_id=channel)
        status, _ = await env.send(note)
        assert status == 200
        [told] = [t for t in ephemeral_to(env, "U0ASSESSOR1") if "could not be saved" in t]
        assert "cannot reach its database" in told
        assert "Nothing of it was recorded" in told

        # a form submitted meanwhile: a view is pushed on top of it, so what was typed stays
        status, answer = await env.send(referral_submission())
        pushed = json.loads(answer)
        assert status == 200
        assert pushed["response_action"] == "push"
        assert "could not be saved" in json.dumps(pushed["view"])

        env.clock.advance(minutes=6)  # past the deadline while the database is down
        assert not await sweep(env)
    finally:
        start_postgres()

    for _ in range(3):  # the first use of a pooled connection may find it dropped
        if await sweep(env):
            break
    await env.fire_due(seconds=30)
    for where in (*PEOPLE, channel):
        assert len(level_1(env, where)) == 1, where
    assert len(await events(env, incident_id, "EscalationSent")) == 1
    assert await events(env, incident_id, "NoteAdded") == []
    assert len(await env.incidents()) == 1  # the referral sent in the outage was not stored
    for phone in (KPMG_ESCALATION_PHONE, DUTY_MANAGER_PHONE):
        assert sms_to(notify_api, phone) == 1
    assert len([t for t in env.texts("C0KPMGPAGING") if "Escalation" in t]) == 0


async def test_notify_answering_503_without_json_is_recorded_as_its_status(notify_api) -> None:
    """Notify's client is checked the same way: a proxy's plain-text 503 is named by its
    status, never by a parsing error of ours."""
    notifier = NotifyNotifier(
        notify_api.api_key,
        notify_api.base_url,
        notify_api.email_template_id,
        notify_api.sms_template_id,
    ).single_attempt()
    notify_api.fail_next("sms", status=503)
    try:
        delivery = await notifier.send_sms("07700 900100", "Escalation", reference="CIR-1")
    finally:
        await notifier.close()
    assert not delivery.ok
    assert delivery.error == "503 (Notify answered without an error message)"
