"""Response phases, status updates, the notifications checklist and the council's recovery opt-in.

Buttons and `/cir phase|update|checklist` acknowledge at once and open their form; the use case
decides on submit. A form's own mistakes (too long, missing, a phase the rules refuse) show
inline so nothing typed is lost; a refusal of the person closes the form and answers privately.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.domain.actors import Actor
from bot.domain.bindings import MessagePurpose, Platform
from bot.domain.errors import DomainError
from bot.domain.incident import Incident
from bot.domain.states import ALLOWED, State
from bot.usecases import checklist as checklist_uc
from bot.usecases import phases, status_updates
from bot.usecases.authz import Who, may_open
from bot.usecases.participants import organisation_name, organisations
from bot.views.actions import Action, Form
from bot.views.mirror import phase_changed
from handlers.acting import Asker, acting, answered
from handlers.slack.askers import of_action, of_command
from handlers.slack.context import SlackDeps
from handlers.slack.listeners.flows import incident_key
from handlers.slack.listeners.subcommands import Run, Subcommand
from handlers.slack.mirroring import mirror_from_slack
from handlers.slack.parse import text_of, value_of
from handlers.slack.refusals import slack_error
from handlers.slack.render import response as render
from handlers.slack.render.lessons import lessons_request_message
from handlers.slack.render.outbound import outbound_blocks, outbound_fallback
from handlers.slack.submission import Inline, meta_of, submission

log = logging.getLogger(__name__)
Builder = Callable[[Actor, Incident, dict[str, Any]], Awaitable[dict[str, Any] | None]]
FormRule = tuple[Who, str]  # who may use a form, and what anyone else in the incident is told


# --- shared by the listener modules of issue 5 ---------------------------------------------------


@acting
async def open_form(
    deps: SlackDeps,
    actor: Actor,
    asker: Asker,
    key: str,
    trigger: str,
    build: Builder,
    *,
    rule: FormRule,
) -> None:
    """Open a form about one incident; the trigger lasts 3 seconds, so only reads come first.
    Only those the form's use case will accept get the form (`rule`, the core's rule and its
    refusal): others are told now rather than after typing, and someone outside the incident
    hears only "not found, or not yours", so a council never sees another council's incident by
    guessing its reference. The use case still decides when the form is submitted."""
    async with deps.uow() as uow:
        incident = await may_open(uow, deps.ctx, actor, key, *rule)
    meta = {"incident_id": incident.id, "channel": asker.channel, "nonce": uuid.uuid4().hex}
    view = await build(actor, incident, meta)
    if view is not None:
        await deps.client.views_open(trigger_id=trigger, view=view)


# --- forms ---------------------------------------------------------------------------------------


async def _phase_form(actor: Actor, incident: Incident, meta: dict[str, Any]) -> dict[str, Any]:
    targets = sorted(ALLOWED[incident.state] & phases.PHASES, key=list(State).index)
    if not targets:
        raise DomainError(
            f"{incident.reference} is {incident.state.label.lower()}: phases change only "
            "during an active response."
        )
    return render.phase_modal(incident, targets, meta)


async def _update_form(actor: Actor, incident: Incident, meta: dict[str, Any]) -> dict[str, Any]:
    return render.status_update_modal(incident, meta)


def _checklist_form(deps: SlackDeps) -> Builder:
    async def build(actor: Actor, incident: Incident, meta: dict[str, Any]) -> dict[str, Any]:
        view = await checklist_uc.checklist_view(deps.uow(), incident.id, deps.ctx.policy.followups)
        return render.checklist_modal(incident, view, meta)

    return build


# --- after the acknowledgement -------------------------------------------------------------------


async def _after_phase(
    deps: SlackDeps, result: phases.PhaseChanged, actor: Actor, summary: str
) -> None:
    incident, name = result.incident, actor.name
    mirror_from_slack(deps, incident, actor, phase_changed(result, summary))
    await deps.room.post(incident.id, *render.phase_changed_message(result, name, summary))
    if incident.state is State.CLOSED:
        names = [organisation_name(o, deps.ctx.policy) for o in organisations(incident)]
        await deps.room.post(incident.id, *lessons_request_message(incident, names))
    await deps.room.refresh(incident.id)
    deps.wake_for(d.due_at for d in result.deadlines)


async def _after_update(
    deps: SlackDeps, result: status_updates.StatusUpdateResult, actor: Actor
) -> None:
    incident_id = result.incident.id
    if result.posted is not None:
        mirror_from_slack(deps, result.incident, actor, result.posted)
    text, blocks = outbound_fallback(result.message), outbound_blocks(result.message)
    await deps.room.post(incident_id, text, blocks)
    async with deps.uow() as uow:
        triage = await uow.messages.get(incident_id, Platform.SLACK, MessagePurpose.TRIAGE_CARD)
    # in the triage card's thread; without a stored card, in the triage channel itself
    where, thread = result.triage_channel, None
    if triage is not None:
        where, thread = triage.channel_id, triage.message_ts
    try:
        await deps.client.chat_postMessage(
            channel=where, thread_ts=thread, text=text, blocks=blocks
        )
    except SlackApiError as exc:
        log.warning("status update not posted to triage", extra={"status": slack_error(exc)})
    await deps.room.refresh(incident_id)
    deps.wake_for(d.due_at for d in [result.next_prompt, *result.ico_reminders])


async def _after_checklist(
    deps: SlackDeps, result: checklist_uc.ChecklistResult, name: str
) -> None:
    incident = result.incident
    view = await checklist_uc.checklist_view(deps.uow(), incident.id, deps.ctx.policy.followups)
    text, blocks = render.checklist_message(incident, view, result.item.item.value, name)
    await deps.room.post(incident.id, text, blocks)
    await deps.room.refresh(incident.id)
    deps.wake_for(d.due_at for d in result.deadlines)


@acting
async def _opt_in(deps: SlackDeps, actor: Actor, asker: Asker, key: str) -> None:
    cmd = phases.RecordRecoveryOptIn(actor, key)
    incident = await phases.record_recovery_opt_in(cmd, deps.uow(), deps.ctx)
    await deps.room.post(incident.id, *render.recovery_opt_in_message(incident, actor.name))
    await deps.room.refresh(incident.id)


# --- registration --------------------------------------------------------------------------------

FORMS: dict[str, tuple[str, Callable[[SlackDeps], Builder]]] = {
    "phase": ("/cir phase CIR-2026-0001", lambda deps: _phase_form),
    "update": ("/cir update CIR-2026-0001", lambda deps: _update_form),
    "checklist": ("/cir checklist CIR-2026-0001", _checklist_form),
}
RULES: dict[str, FormRule] = {
    "phase": (Who.RESPONDER, phases.RESPONDERS_ONLY),
    "update": (Who.RESPONDER, status_updates.RESPONDERS_ONLY),
    "checklist": (Who.PARTICIPANT, checklist_uc.PARTICIPANTS_ONLY),
}


def _subcommand(name: str) -> Run:
    usage, builder = FORMS[name]

    @answered
    async def opening(deps: SlackDeps, asker: Asker, target: str, trigger: str) -> None:
        key = await incident_key(deps, target, asker.channel, usage)
        await open_form(deps, asker, key, trigger, builder(deps), rule=RULES[name])

    async def run(deps: SlackDeps, command: dict[str, Any], args: list[str]) -> None:
        await opening(deps, of_command(command), args[0] if args else "", command["trigger_id"])

    return run


SUBCOMMANDS = {
    "phase": Subcommand(
        "/cir phase [CIR-…]", "change the response phase", _subcommand("phase"), opens_form=True
    ),
    "update": Subcommand(
        "/cir update [CIR-…]", "post a status update", _subcommand("update"), opens_form=True
    ),
    "checklist": Subcommand(
        "/cir checklist [CIR-…]",
        "record who the council has told",
        _subcommand("checklist"),
        opens_form=True,
    ),
}
BUTTONS = {
    Action.CHANGE_PHASE: "phase",
    Action.POST_UPDATE: "update",
    Action.UPDATE_CHECKLIST: "checklist",
}


def _button(deps: SlackDeps, build: Builder, rule: FormRule) -> Callable[..., Awaitable[None]]:
    async def pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        key, trigger = action["value"], body["trigger_id"]
        deps.tasks.spawn_form(open_form(deps, of_action(body), key, trigger, build, rule=rule))

    return pressed


def register(app: AsyncApp, deps: SlackDeps) -> None:
    for action, name in BUTTONS.items():
        app.action(action.value)(_button(deps, FORMS[name][1](deps), RULES[name]))

    @app.action(Action.RECOVERY_OPT_IN.value)
    async def opt_in(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(_opt_in(deps, of_action(body), action["value"]))

    @app.view(Form.PHASE.value)
    @submission(deps, Inline("target", render.PhaseInput, tell_refusals=True))
    async def phase(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        meta, state = meta_of(view), view["state"]
        target, summary = (
            value_of(state, render.PhaseInput.TARGET),
            text_of(state, render.PhaseInput.SUMMARY),
        )
        cmd = phases.ChangePhase(actor, meta["incident_id"], State.parse(target or ""), summary)
        result = await phases.change_phase(cmd, deps.uow(), deps.ctx, deps.ctx.policy.followups)
        await ack()
        deps.tasks.spawn(_after_phase(deps, result, actor, summary.strip()))

    @app.view(Form.STATUS_UPDATE.value)
    @submission(
        deps, Inline(render.UpdateInput.WHAT_CHANGED, render.UpdateInput, tell_refusals=True)
    )
    async def update(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        meta, state = meta_of(view), view["state"]
        i = render.UpdateInput
        cmd = status_updates.PostStatusUpdate(
            actor,
            meta["incident_id"],
            what_changed=text_of(state, i.WHAT_CHANGED),
            impact=text_of(state, i.IMPACT),
            next_steps=text_of(state, i.NEXT_STEPS),
            idempotency_key=meta["nonce"],
            personal_data=render.PERSONAL_DATA_INVOLVED in (value_of(state, i.PERSONAL_DATA) or []),
        )
        followups = deps.ctx.policy.followups
        result = await status_updates.post_status_update(cmd, deps.uow(), deps.ctx, followups)
        await ack()
        deps.tasks.spawn(_after_update(deps, result, actor))

    @app.view(Form.CHECKLIST.value)
    @submission(
        deps, Inline(render.ChecklistInput.STATUS, render.ChecklistInput, tell_refusals=True)
    )
    async def checklist(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        meta, state = meta_of(view), view["state"]
        i = render.ChecklistInput
        done_at: datetime | None = value_of(state, i.DONE_AT)
        cmd = checklist_uc.UpdateChecklistItem(
            actor,
            meta["incident_id"],
            item=value_of(state, i.ITEM) or "",
            status=value_of(state, i.STATUS) or "",
            reference=text_of(state, i.REFERENCE),
            reason=text_of(state, i.REASON),
            done_at=done_at,
        )
        followups = deps.ctx.policy.followups
        result = await checklist_uc.update_checklist_item(cmd, deps.uow(), deps.ctx, followups)
        await ack()
        deps.tasks.spawn(_after_checklist(deps, result, actor.name))
