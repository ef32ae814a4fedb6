"""Response phases, status updates, the notifications checklist and the council's recovery opt-in.

Buttons and `/cir phase|update|checklist` acknowledge at once and open their form; the use case
decides on submit. A form's own mistakes (too long, missing, a phase the rules refuse) show
inline so nothing typed is lost; a refusal of the person closes the form and answers privately.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.domain.actors import Actor
from bot.domain.bindings import MessagePurpose, Platform
from bot.domain.deadlines import Deadline
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.incident import Incident
from bot.domain.states import ALLOWED, State
from bot.usecases import checklist as checklist_uc
from bot.usecases import phases, status_updates
from bot.usecases.authz import Who, allowed
from bot.usecases.loading import NOT_YOURS, load_incident
from bot.usecases.participants import can_view, organisation_name, organisations
from bot.views.actions import Action, Form
from handlers.slack.context import SlackDeps
from handlers.slack.listeners.flows import incident_key, tell
from handlers.slack.listeners.subcommands import Subcommand
from handlers.slack.parse import text_of, value_of
from handlers.slack.refusals import slack_error
from handlers.slack.render import response as render
from handlers.slack.render.lessons import lessons_request_message
from handlers.slack.render.outbound import outbound_blocks, outbound_fallback

log = logging.getLogger(__name__)
T = TypeVar("T")
Builder = Callable[[Incident, dict[str, Any]], Awaitable[dict[str, Any] | None]]
FormRule = tuple[Who, str]  # who may use a form, and what anyone else in the incident is told


# --- shared by the listener modules of issue 5 ---------------------------------------------------


def who(body: dict[str, Any]) -> tuple[str, str, str]:
    """(user, the user's own team, channel) of a button press or shortcut."""
    user = body["user"]
    return user["id"], user.get("team_id", ""), (body.get("channel") or {}).get("id", "")


def meta_of(view: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(view.get("private_metadata") or "{}"))


async def open_form(
    deps: SlackDeps,
    user: str,
    channel: str,
    key: str,
    trigger: str,
    build: Builder,
    team: str = "",
    *,
    rule: FormRule,
) -> None:
    """Open a form about one incident; the trigger lasts 3 seconds, so only reads come first.
    Only those the form's use case will accept get the form (`rule`, the core's rule and its
    refusal): others are told now rather than after typing, and someone outside the incident
    hears only "not found, or not yours", so a council never sees another council's incident by
    guessing its reference. The use case still decides when the form is submitted."""
    try:
        actor = await deps.identity.actor(user, team)
        async with deps.uow() as uow:
            incident = await load_incident(uow, key)
        who_may, refusal = rule
        if not allowed(actor, incident, who_may, deps.ctx):
            raise NotAuthorised(refusal if can_view(actor, incident, deps.ctx) else NOT_YOURS)
        meta = {"incident_id": incident.id, "channel": channel, "nonce": uuid.uuid4().hex}
        view = await build(incident, meta)
    except DomainError as exc:
        await tell(deps, user, channel, str(exc))
        return
    if view is not None:
        await deps.client.views_open(trigger_id=trigger, view=view)


async def submitted(
    ack: AsyncAck,
    deps: SlackDeps,
    user: str,
    channel: str,
    call: Awaitable[T],
    known: Iterable[str],
    fallback: str,
) -> T | None:
    """Run a form's use case; answer Slack and return None if it refused."""
    try:
        return await call
    except InvalidInput as exc:
        errors = {k: v for k, v in exc.field_errors.items() if k in set(known)}
        await ack(response_action="errors", errors=errors or {fallback: str(exc)})
    except NotAuthorised as exc:
        await ack()
        deps.tasks.spawn(tell(deps, user, channel, str(exc)))
    except DomainError as exc:
        await ack(response_action="errors", errors={fallback: str(exc)})
    return None


async def form_actor(
    ack: AsyncAck, deps: SlackDeps, body: dict[str, Any], field: str
) -> Actor | None:
    """Who submitted a form, or None once they were told (beside `field`, so nothing typed is
    lost) that Slack could not confirm who they are: then nothing runs and nothing is stored."""
    user = body["user"]
    try:
        return await deps.identity.actor(user["id"], user.get("team_id", ""))
    except DomainError as exc:
        await ack(response_action="errors", errors={field: str(exc)})
        return None


def wake(deps: SlackDeps, deadlines: Iterable[Deadline]) -> None:
    if deps.wake is not None:
        for deadline in deadlines:
            deps.wake(deadline.due_at)


# --- forms ---------------------------------------------------------------------------------------


async def _phase_form(incident: Incident, meta: dict[str, Any]) -> dict[str, Any]:
    targets = sorted(ALLOWED[incident.state] & phases.PHASES, key=list(State).index)
    if not targets:
        raise DomainError(
            f"{incident.reference} is {incident.state.label.lower()}: phases change only "
            "during an active response."
        )
    return render.phase_modal(incident, targets, meta)


async def _update_form(incident: Incident, meta: dict[str, Any]) -> dict[str, Any]:
    return render.status_update_modal(incident, meta)


def _checklist_form(deps: SlackDeps) -> Builder:
    async def build(incident: Incident, meta: dict[str, Any]) -> dict[str, Any]:
        view = await checklist_uc.checklist_view(deps.uow(), incident.id, deps.ctx.policy.followups)
        return render.checklist_modal(incident, view, meta)

    return build


# --- after the acknowledgement -------------------------------------------------------------------


async def _after_phase(
    deps: SlackDeps, result: phases.PhaseChanged, name: str, summary: str
) -> None:
    incident = result.incident
    await deps.room.post(incident.id, *render.phase_changed_message(result, name, summary))
    if incident.state is State.CLOSED:
        names = [organisation_name(o, deps.ctx.policy) for o in organisations(incident)]
        await deps.room.post(incident.id, *lessons_request_message(incident, names))
    await deps.room.refresh(incident.id)
    wake(deps, result.deadlines)


async def _after_update(deps: SlackDeps, result: status_updates.StatusUpdateResult) -> None:
    incident_id = result.incident.id
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
    wake(deps, [result.next_prompt, *result.ico_reminders])


async def _after_checklist(
    deps: SlackDeps, result: checklist_uc.ChecklistResult, name: str
) -> None:
    incident = result.incident
    view = await checklist_uc.checklist_view(deps.uow(), incident.id, deps.ctx.policy.followups)
    text, blocks = render.checklist_message(incident, view, result.item.item.value, name)
    await deps.room.post(incident.id, text, blocks)
    await deps.room.refresh(incident.id)
    wake(deps, result.deadlines)


async def _opt_in(deps: SlackDeps, user: str, team: str, channel: str, key: str) -> None:
    try:
        actor = await deps.identity.actor(user, team)
        incident = await phases.record_recovery_opt_in(
            phases.RecordRecoveryOptIn(actor, key), deps.uow(), deps.ctx
        )
    except DomainError as exc:
        await tell(deps, user, channel, str(exc))
        return
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


def _subcommand(name: str) -> Callable[[SlackDeps, dict[str, Any], list[str]], Awaitable[None]]:
    usage, builder = FORMS[name]

    async def run(deps: SlackDeps, command: dict[str, Any], args: list[str]) -> None:
        user, channel = command["user_id"], command.get("channel_id", "")
        try:
            key = await incident_key(deps, args[0] if args else "", channel, usage)
        except DomainError as exc:
            await tell(deps, user, channel, str(exc))
            return
        trigger = command["trigger_id"]
        await open_form(deps, user, channel, key, trigger, builder(deps), rule=RULES[name])

    return run


SUBCOMMANDS = {
    "phase": Subcommand("/cir phase [CIR-…]", "change the response phase", _subcommand("phase")),
    "update": Subcommand("/cir update [CIR-…]", "post a status update", _subcommand("update")),
    "checklist": Subcommand(
        "/cir checklist [CIR-…]", "record who the council has told", _subcommand("checklist")
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
        user, team, channel = who(body)
        key, trigger = action["value"], body["trigger_id"]
        form = open_form(deps, user, channel, key, trigger, build, team, rule=rule)
        deps.tasks.spawn(form)

    return pressed


def register(app: AsyncApp, deps: SlackDeps) -> None:
    for action, name in BUTTONS.items():
        app.action(action.value)(_button(deps, FORMS[name][1](deps), RULES[name]))

    @app.action(Action.RECOVERY_OPT_IN.value)
    async def opt_in(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(_opt_in(deps, *who(body), action["value"]))

    @app.view(Form.PHASE.value)
    async def phase(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta, state = meta_of(view), view["state"]
        if (actor := await form_actor(ack, deps, body, "target")) is None:
            return
        target, summary = (
            value_of(state, render.PhaseInput.TARGET),
            text_of(state, render.PhaseInput.SUMMARY),
        )
        try:
            cmd = phases.ChangePhase(actor, meta["incident_id"], State.parse(target or ""), summary)
        except DomainError as exc:
            await ack(response_action="errors", errors={"target": str(exc)})
            return
        call = phases.change_phase(cmd, deps.uow(), deps.ctx, deps.ctx.policy.followups)
        where = meta.get("channel", "")
        result = await submitted(
            ack, deps, body["user"]["id"], where, call, render.PhaseInput, "target"
        )
        if result is not None:
            await ack()
            deps.tasks.spawn(_after_phase(deps, result, actor.name, summary.strip()))

    @app.view(Form.STATUS_UPDATE.value)
    async def update(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta, state = meta_of(view), view["state"]
        i = render.UpdateInput
        if (actor := await form_actor(ack, deps, body, i.WHAT_CHANGED)) is None:
            return
        cmd = status_updates.PostStatusUpdate(
            actor,
            meta["incident_id"],
            what_changed=text_of(state, i.WHAT_CHANGED),
            impact=text_of(state, i.IMPACT),
            next_steps=text_of(state, i.NEXT_STEPS),
            idempotency_key=meta["nonce"],
            personal_data=render.PERSONAL_DATA_INVOLVED in (value_of(state, i.PERSONAL_DATA) or []),
        )
        call = status_updates.post_status_update(
            cmd, deps.uow(), deps.ctx, deps.ctx.policy.followups
        )
        first = render.UpdateInput.WHAT_CHANGED
        result = await submitted(
            ack, deps, body["user"]["id"], meta.get("channel", ""), call, render.UpdateInput, first
        )
        if result is not None:
            await ack()
            deps.tasks.spawn(_after_update(deps, result))

    @app.view(Form.CHECKLIST.value)
    async def checklist(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta, state = meta_of(view), view["state"]
        i = render.ChecklistInput
        if (actor := await form_actor(ack, deps, body, i.STATUS)) is None:
            return
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
        call = checklist_uc.update_checklist_item(
            cmd, deps.uow(), deps.ctx, deps.ctx.policy.followups
        )
        where = meta.get("channel", "")
        result = await submitted(ack, deps, body["user"]["id"], where, call, i, i.STATUS)
        if result is not None:
            await ack()
            deps.tasks.spawn(_after_checklist(deps, result, actor.name))
