"""Steps the cross-platform tests share: the app installed on Teams, the referral and threshold
check by MHCLG on Slack, the MoU signed by the council on Teams, the activation by MHCLG on
Slack, contact made on Teams; the deadline rows and the timeline as a person compares them; and
text that grows the most once escaped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from sandbox.slack import signed_requests as sr
from storage.models import DeadlineRow
from tests.e2e.across_rig import AcrossEnv
from tests.integration.slack_activation_steps import activate_form, submit
from tests.integration.slack_harness import referral_submission
from tests.integration.test_slack_threshold import RANSOMWARE, assess, assessment_id_of, decide


async def deadline_rows(env: AcrossEnv, incident_id: str) -> list[tuple[str, str, int]]:
    """(kind, state, ladder step or -1) of every deadline row of the incident, in due order."""
    async with env.container.uow() as uow:
        rows = await uow.session.execute(
            select(DeadlineRow.kind, DeadlineRow.state, DeadlineRow.payload)
            .where(DeadlineRow.incident_id == incident_id)
            .order_by(DeadlineRow.due_at)
        )
        return [(k, s, _step(p)) for k, s, p in rows]


def _step(payload: dict | None) -> int:
    step = (payload or {}).get("step")
    return -1 if step is None else int(step)


def kinds(events: list) -> list[str]:
    return [e.kind for e in events]


async def installed_on_teams(env: AcrossEnv) -> None:
    """Hackney and KPMG add the CIR app to their team channels; the bot says hello there."""
    for where, who in ((env.p.hackney, env.p.hana), (env.p.kpmg, env.p.kim)):
        status, _ = await env.teams_post(env.installed(where, who))
        assert status == 200


async def referred(env: AcrossEnv) -> str:
    """MHCLG logs the referral on Slack."""
    status, _ = await env.send(referral_submission())
    assert status == 200
    return (await env.only_incident()).id


async def assessed(env: AcrossEnv, incident_id: str) -> None:
    """MHCLG runs the threshold check on Slack and decides to activate: awaiting the MoU."""
    status, _ = await env.send(sr.block_actions("start_threshold_check", value=incident_id))
    assert status == 200
    update = await assess(env, incident_id, RANSOMWARE)
    await decide(env, assessment_id_of(update), "activate", "C3, benefits down, no backups.")
    assert (await env.incident(incident_id)).state is State.AWAITING_MOU


async def referred_and_assessed(env: AcrossEnv) -> str:
    incident_id = await referred(env)
    await assessed(env, incident_id)
    return incident_id


async def mou_signed(env: AcrossEnv) -> str:
    """Installed, referred, assessed, and the MoU signed by Hackney on Teams."""
    await installed_on_teams(env)
    incident_id = await referred_and_assessed(env)
    await env.press(env.p.hackney, env.p.hana, "mou_signed", incident_id)
    return incident_id


async def activate(env: AcrossEnv, incident_id: str) -> None:
    """MHCLG activates KPMG, on duty, on Slack (the page goes out at once)."""
    assert await submit(env, activate_form(incident_id, "on_duty")) == {}
    assert (await env.incident(incident_id)).state is State.ACTIVATED


async def activated(env: AcrossEnv) -> str:
    incident_id = await mou_signed(env)
    await activate(env, incident_id)
    return incident_id


def shape(events: list[TimelineEvent]) -> list[tuple[str, str]]:
    """The timeline as a stranger compares it before and after: each event, and its hash."""
    return [(e.kind, e.hash) for e in events]


async def paged(env: AcrossEnv) -> str:
    """Activated, and whatever was due at once fired (the page went out on activation)."""
    incident_id = await activated(env)
    await env.fire_due()
    return incident_id


async def contact_made(env: AcrossEnv, incident_id: str) -> dict[str, Any]:
    """The contact form's submit as Teams sends it (one activity: post it again to replay)."""
    at = env.clock.now().isoformat()
    inputs = {"contact_at": at, "method": "phone", "notes": "Spoke to the CISO."}
    return env.invoke(env.p.kpmg, env.p.kim, "contact_form", incident_id, **inputs)


# What people type that grows the most once escaped or encoded: markup characters, emoji (4
# bytes in UTF-8), and Adaptive Cards' and Slack's own markdown.
HEAVY = "<b>&amp;</b> 🔥 *_~`[x](https://evil.example) {{DATE(2026-01-01T00:00:00Z)}} "


def typed(n: int) -> str:
    """`n` characters as a person might type them, the heaviest kind."""
    return (HEAVY * (n // len(HEAVY) + 1))[:n]
