"""Steps and forms for the activation tests through Slack: an incident awaiting the MoU, the
override, activate and contact forms, button presses in Slack Connect channels, and what the
Slack stand-in was asked to show. Notify is configured (the `notify_api` fixture)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.bindings import Platform
from bot.domain.states import State
from handlers.slack.listeners import activation as listener
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack import signed_requests as sr
from storage.models import DeadlineRow
from tests.integration.slack_harness import ASSESSOR, SECRET, SlackEnv
from tests.integration.test_slack_threshold import (
    RANSOMWARE,
    assess,
    assessment_id_of,
    decide,
    open_incident,
)
from tests.integration.waiting import within

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


def held(monkeypatch: pytest.MonkeyPatch, use_case: str) -> asyncio.Event:
    """The activation listeners' `use_case` (as they import it) waits until the returned event
    is set: as behind a firing holding the incident's lock, or SQLite's one writer."""
    release = asyncio.Event()
    run = getattr(listener, use_case)

    async def waiting(*args: Any, **kwargs: Any) -> Any:
        await release.wait()
        return await run(*args, **kwargs)

    monkeypatch.setattr(listener, use_case, waiting)
    return release


async def answer_to(env: SlackEnv, body: str) -> tuple[int, str]:
    """The HTTP answer to a request, without waiting for the work that follows it."""
    return await within(
        sr.post(env.session, env.url, body, SECRET),
        "Slack's answer while the form's use case is still running",
    )
