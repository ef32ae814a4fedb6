"""The slow halves of the Slack listeners: run after the acknowledgement, report back in-channel
or ephemerally. Each calls one use case and renders its result; `acting` finds who is asking
and tells them any refusal (`handlers.acting`)."""

from __future__ import annotations

import logging

from bot.domain.actors import Actor
from bot.domain.bindings import Platform
from bot.domain.errors import DomainError, NotAuthorised
from bot.usecases.authz import is_mhclg
from bot.usecases.directory import duty_manager
from bot.usecases.presence import incident_for_channel
from bot.usecases.threshold import (
    ConfirmActivation,
    DecisionResult,
    StartThresholdCheck,
    confirm_activation,
    start_threshold_check,
)
from handlers.acting import Asker, acting
from handlers.slack.context import SlackDeps
from handlers.slack.escape import user_text
from handlers.slack.render.messages import decision_blocks
from handlers.slack.render.threshold import questionnaire_modal

log = logging.getLogger(__name__)


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
    key = await incident_key(deps, target, asker.channel)
    incident = await start_threshold_check(StartThresholdCheck(actor, key), deps.uow(), deps.ctx)
    view = questionnaire_modal(deps.ctx.policy.questionnaire, incident.id, str(incident.reference))
    await deps.client.views_open(trigger_id=trigger_id, view=view)
    deps.tasks.spawn(deps.room.refresh(incident.id))


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
