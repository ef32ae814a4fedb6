"""The slow halves of the Slack listeners: run after the acknowledgement, report back in-channel
or ephemerally. Each calls one use case and renders its result; `acting` finds who is asking
and tells them any refusal (`handlers.acting`)."""

from __future__ import annotations

import asyncio
import logging

from bot.domain.actors import Actor
from bot.domain.bindings import Platform
from bot.domain.errors import DomainError, NotAuthorised
from bot.domain.incident import Incident
from bot.usecases.authz import Who, is_mhclg, may_open
from bot.usecases.directory import duty_manager
from bot.usecases.presence import incident_for_channel
from bot.usecases.threshold import (
    ASSESSORS_ONLY,
    ConfirmActivation,
    DecisionResult,
    StartThresholdCheck,
    confirm_activation,
    start_threshold_check,
    threshold_check_refusal,
)
from handlers.acting import Asker, acting
from handlers.slack.ack_window import within_window
from handlers.slack.context import SlackDeps
from handlers.slack.escape import user_text
from handlers.slack.render.messages import decision_blocks
from handlers.slack.render.threshold import questionnaire_modal

log = logging.getLogger(__name__)

# How long a press's form waits for its threshold check to be recorded as started before it
# opens on a read instead: the trigger id lives 3 s from the press, and the views.open itself
# takes a few hundred milliseconds under load.
START_WINDOW_SECONDS = 1.5


async def incident_key(
    deps: SlackDeps, target: str, channel: str, usage: str = "/cir assess CIR-2026-0001"
) -> str:
    """The incident a command is about: the reference typed, else the channel it was run in."""
    if target:
        return target
    incident = await incident_for_channel(deps.uow(), Platform.SLACK, channel) if channel else None
    if incident is None:
        raise DomainError(f"Say which incident, e.g. `{usage}`, or run it in its channel.")
    return incident.id


@acting
async def start_assessment(
    deps: SlackDeps, actor: Actor, asker: Asker, target: str, trigger_id: str
) -> None:
    """The questionnaire opens once the check is recorded as started; a refusal is told
    instead. That start is a write, and under load the database can be slow to take it (the
    ladder's firings hold SQLite's writer while they send), while the trigger id lives 3 s: past
    `START_WINDOW_SECONDS` the form opens on a read that applies the same rules, and the start
    finishes behind it (`_started_behind`). A person takes far longer to answer than the start
    takes to commit, and their answers queue behind it for the incident's lock."""
    key = await incident_key(deps, target, asker.channel)
    cmd = StartThresholdCheck(actor, key)
    starting = await within_window(
        start_threshold_check(cmd, deps.uow(), deps.ctx), START_WINDOW_SECONDS
    )
    if starting.done():
        incident = starting.result()  # a refusal is told by `acting`
    else:
        deps.tasks.spawn(_started_behind(deps, asker, starting))
        async with deps.uow() as uow:
            incident = await may_open(uow, deps.ctx, actor, key, Who.ASSESSOR, ASSESSORS_ONLY)
        if threshold_check_refusal(incident):
            return  # refused: the start says so when it ends (once, not twice)
    view = questionnaire_modal(deps.ctx.policy.questionnaire, incident.id, str(incident.reference))
    await deps.client.views_open(trigger_id=trigger_id, view=view)
    if starting.done():
        deps.tasks.spawn(deps.room.refresh(incident.id))


async def _started_behind(deps: SlackDeps, asker: Asker, starting: asyncio.Task[Incident]) -> None:
    """The start that outlived the form's window: its refusal told, the card redrawn."""
    try:
        incident = await starting
    except DomainError as exc:
        await deps.tell(asker, str(exc))
        return
    await deps.room.refresh(incident.id)


async def after_decision(deps: SlackDeps, result: DecisionResult, actor_name: str) -> None:
    guidance = deps.ctx.policy.mhclg.monitor_guidance
    text, blocks = decision_blocks(result, actor_name, guidance)
    await deps.room.post(result.incident.id, text, blocks)
    await deps.room.refresh(result.incident.id)
    deps.wake_for(d.due_at for d in result.deadlines)


@acting
async def confirm(deps: SlackDeps, actor: Actor, asker: Asker, assessment_id: str) -> None:
    cmd = ConfirmActivation(actor, assessment_id)
    result = await confirm_activation(cmd, deps.uow(), deps.ctx)
    await after_decision(deps, result, actor.name)


@acting
async def retry_channel(deps: SlackDeps, actor: Actor, asker: Asker, target: str) -> None:
    if not is_mhclg(actor):
        raise NotAuthorised("Only MHCLG's CIR team can retry creating a channel.")
    key = await incident_key(deps, target, "")
    await deps.room.open(key, reporter=asker.user, origin_channel=asker.channel)


@acting
async def tell_duty(deps: SlackDeps, actor: Actor, asker: Asker) -> None:
    """`/cir duty`: the duty manager's name and number, to the CIR team and the providers."""
    manager = duty_manager(actor, deps.ctx)
    if manager is None:
        text = "No MHCLG duty manager is on the rota now (config/mhclg.yml duty_rota)."
    else:
        mention = f"<@{manager.slack_user}>" if manager.slack_user else user_text(manager.name)
        text = f"MHCLG duty manager now: {mention} ({user_text(manager.phone or manager.email)})"
    await deps.tell(asker, text)
