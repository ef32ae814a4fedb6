"""Ending an incident before activation: "Close (monitoring ended)" for MHCLG and "Decline CIR
support" for the council, as card buttons and as `/cir close-monitoring|decline`.

Each opens a small form asking the reason, after checking that this person may end the incident
this way now (so nobody fills in a form that will be refused); the use case decides again on
submit. The outcome is announced in the incident channel, where the council reads its own
obligations, and in MHCLG's triage channel: a decline there on its own line, since MHCLG did
not do it; a closure by MHCLG in the triage card's thread.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.domain.actors import Actor
from bot.domain.bindings import MessagePurpose, Platform
from bot.usecases.ending import Ended, EndIncident, Ending, end_incident, ending_form
from bot.views.actions import Action
from handlers.acting import Asker, acting
from handlers.slack.askers import of_action, of_command
from handlers.slack.context import SlackDeps
from handlers.slack.listeners.flows import incident_key
from handlers.slack.listeners.subcommands import Run, Subcommand
from handlers.slack.parse import text_of
from handlers.slack.render import ending as render
from handlers.slack.submission import Inline, meta_of, submission

log = logging.getLogger(__name__)
USAGE = {
    Ending.MONITORING_ENDED: "/cir close-monitoring [CIR-…]",
    Ending.DECLINED: "/cir decline [CIR-…]",
}
BUTTONS = {
    Action.CLOSE_MONITORING: Ending.MONITORING_ENDED,
    Action.DECLINE_SUPPORT: Ending.DECLINED,
}


@acting
async def open_ending_form(
    deps: SlackDeps, actor: Actor, asker: Asker, target: str, trigger: str, ending: Ending
) -> None:
    usage = USAGE[ending].replace("[CIR-…]", "CIR-2026-0001")
    key = await incident_key(deps, target, asker.channel, usage)
    incident, view = await ending_form(actor, key, ending, deps.uow(), deps.ctx)
    council = deps.ctx.policy.councils.get(incident.council_id)
    meta = {"incident_id": incident.id, "channel": asker.channel, "nonce": uuid.uuid4().hex}
    modal = render.ending_modal(incident, ending, view, council, meta)
    await deps.client.views_open(trigger_id=trigger, view=modal)


async def after_ending(deps: SlackDeps, result: Ended, actor_name: str) -> None:
    incident = result.incident
    council = deps.ctx.policy.councils.get(incident.council_id)
    text, blocks = render.ended_message(result, actor_name, council)
    await deps.room.post(incident.id, text, blocks)
    async with deps.uow() as uow:
        triage = await uow.messages.get(incident.id, Platform.SLACK, MessagePurpose.TRIAGE_CARD)
    where, thread = deps.ctx.policy.mhclg.triage_channel, None
    if triage is not None:
        where = triage.channel_id
        thread = triage.message_ts if result.ending is Ending.MONITORING_ENDED else None
    try:
        await deps.client.chat_postMessage(
            channel=where, thread_ts=thread, text=text, blocks=blocks
        )
    except SlackApiError as exc:
        log.warning("ending not posted to triage", extra={"status": exc.response["error"]})
    await deps.room.refresh(incident.id)


def _command(ending: Ending) -> Run:
    async def run(deps: SlackDeps, command: dict[str, Any], args: list[str]) -> None:
        target = args[0] if args else ""
        await open_ending_form(deps, of_command(command), target, command["trigger_id"], ending)

    return run


SUBCOMMANDS = {
    "close-monitoring": Subcommand(
        USAGE[Ending.MONITORING_ENDED],
        "MHCLG: close a monitored (below-threshold) incident, with a reason (opens a form)",
        _command(Ending.MONITORING_ENDED),
        opens_form=True,
    ),
    "decline": Subcommand(
        USAGE[Ending.DECLINED],
        "the council: decline CIR support before activation, with a reason (opens a form)",
        _command(Ending.DECLINED),
        opens_form=True,
    ),
}


def _button(deps: SlackDeps, ending: Ending) -> Callable[..., Awaitable[None]]:
    async def pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        key, trigger = action["value"], body["trigger_id"]
        deps.tasks.spawn_form(open_ending_form(deps, of_action(body), key, trigger, ending))

    return pressed


def _submission(deps: SlackDeps, ending: Ending) -> Callable[..., Awaitable[None]]:
    # Slack could not confirm who this is: said beside the field, nothing stored
    @submission(deps, Inline(render.REASON, [render.REASON], tell_refusals=True))
    async def ended(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        meta = meta_of(view)
        reason = text_of(view["state"], render.REASON)
        cmd = EndIncident(actor, meta.get("incident_id", ""), ending, reason)
        result = await end_incident(cmd, deps.uow(), deps.ctx)
        await ack()
        deps.tasks.spawn(after_ending(deps, result, actor.name))

    return ended


def register(app: AsyncApp, deps: SlackDeps) -> None:
    for action, ending in BUTTONS.items():
        app.action(action.value)(_button(deps, ending))
    for form, ending in render.ENDINGS.items():
        app.view(form.value)(_submission(deps, ending))
