"""A council's Slack workspace, learnt when its contact accepts the Slack Connect invitation:
MHCLG is asked in the triage channel, and its answer (a button) is recorded and shown in place
of the question."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.domain.actors import Actor
from bot.domain.bindings import Platform
from bot.domain.errors import ConcurrencyConflict, DomainError
from bot.usecases.org_bindings import DecideTeam, decide_team, learn_team
from bot.usecases.presence import record_message_refused
from bot.views.actions import Action
from bot.views.workspaces import decided_message, proposal_message
from handlers.acting import Asker, acting
from handlers.slack.askers import of_action
from handlers.slack.context import SlackDeps
from handlers.slack.render.outbound import outbound_blocks, outbound_fallback

log = logging.getLogger(__name__)


async def learn_workspace(deps: SlackDeps, event: dict[str, Any]) -> None:
    """After `shared_channel_invite_accepted` (handled once per event id by the caller)."""
    accepting = event.get("accepting_user") or {}
    invite_id = str((event.get("invite") or {}).get("id", ""))
    try:
        proposal = await learn_team(
            deps.uow(),
            deps.ctx,
            Platform.SLACK,
            invite_id,
            str(accepting.get("team_id", "")),
            str(accepting.get("id", "")),
        )
    except ConcurrencyConflict:  # the same workspace learnt by a concurrent acceptance
        return
    if proposal is None:
        return
    triage = deps.ctx.policy.mhclg.triage_channel
    delivery = await deps.chat.to_channel(triage, proposal_message(proposal))
    if not delivery.ok:
        incident_id = proposal.binding.incident_id
        await record_message_refused(
            deps.uow(), deps.ctx, incident_id, Platform.SLACK, "workspace question", delivery.error
        )


@acting
async def decide(
    deps: SlackDeps, actor: Actor, asker: Asker, value: str, message_ts: str, confirm: bool
) -> None:
    platform, _, team_id = value.partition(":")
    if platform not in set(Platform):
        raise DomainError("That button names no workspace the bot knows.")
    cmd = DecideTeam(actor, Platform(platform), team_id, confirm)
    proposal = await decide_team(cmd, deps.uow(), deps.ctx)
    deps.learnt_teams.forget()
    message = decided_message(proposal)
    try:
        await deps.client.chat_update(
            channel=asker.channel,
            ts=message_ts,
            text=outbound_fallback(message),
            blocks=outbound_blocks(message),
        )
    except SlackApiError as exc:
        log.warning("could not update the workspace question", extra={"status": exc.response})


def register(app: AsyncApp, deps: SlackDeps) -> None:
    def deciding(body: dict[str, Any], value: str, confirm: bool) -> None:
        ts = (body.get("message") or {}).get("ts", "")
        deps.tasks.spawn(decide(deps, of_action(body), value, ts, confirm))

    @app.action(Action.CONFIRM_SLACK_TEAM.value)
    async def confirm(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deciding(body, action["value"], True)

    @app.action(Action.REJECT_SLACK_TEAM.value)
    async def reject(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deciding(body, action["value"], False)
