"""MoU, activation, the provider's page and "contact made" in Slack.

Buttons and /cir subcommands are acknowledged at once and run in the background. Forms are
validated and stored before the acknowledgement, so a refusal shows inline in the form; the
channel lines and the card follow it. The page and the council's email are deadlines the
activation created: the pages are fired as soon as the form is answered, the email by the
scheduler, woken first thing; whatever fails is retried by the scheduler. "Contact made" gets
two seconds to be stored inside Slack's three (it may wait for an escalation that holds the
incident's lock); past that the form is acknowledged and the provider is told the outcome in a
message. Who may do what is decided by the use cases; a refusal is answered ephemerally with
their words.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.domain.actors import Actor
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.usecases.activation import (
    CHOICES,
    ActivateIncident,
    ActivationResult,
    activate_incident,
    choose_providers,
    invite_providers,
)
from bot.usecases.authz import NOT_YOURS, is_assessor
from bot.usecases.contact import (
    NOT_ASSIGNED,
    AcknowledgePage,
    ContactResult,
    RecordContact,
    acknowledge_page,
    is_assigned_provider,
    record_contact,
)
from bot.usecases.loading import load_incident
from bot.usecases.mou import OverrideMou, RecordMou, override_mou, record_mou
from bot.usecases.participants import can_view
from bot.usecases.threshold import ASSESSORS_ONLY
from bot.views.actions import Action, Form
from bot.views.clock import LONDON
from handlers.slack.ack_window import within_window
from handlers.slack.context import SlackDeps
from handlers.slack.listeners.flows import incident_key, tell
from handlers.slack.listeners.subcommands import Run, Subcommand
from handlers.slack.parse import text_of, value_of
from handlers.slack.render import activation as render
from handlers.slack.render.activation import ActivationInput as In

log = logging.getLogger(__name__)
Modal = Callable[[SlackDeps, Incident], dict[str, Any]]


def _who(body: dict[str, Any]) -> tuple[str, str, str]:
    """The presser's own team (`user.team_id`): in Slack Connect `team` is the installer's."""
    user = body["user"]
    return user["id"], user.get("team_id", ""), (body.get("channel") or {}).get("id", "")


def _incident_of(view: dict[str, Any]) -> str:
    return str(json.loads(view.get("private_metadata") or "{}").get("incident_id", ""))


def _errors(exc: DomainError, block: In) -> dict[str, str]:
    if isinstance(exc, InvalidInput):
        known = {k: v for k, v in exc.field_errors.items() if k in set(In)}
        if known:
            return known
    return {block.value: str(exc)}


async def _load(deps: SlackDeps, key: str) -> Incident:
    async with deps.uow() as uow:
        return await load_incident(uow, key)


# --- modals ------------------------------------------------------------------------------


def _override_modal(deps: SlackDeps, incident: Incident) -> dict[str, Any]:
    return render.override_mou_modal(incident)


def _activate_modal(deps: SlackDeps, incident: Incident) -> dict[str, Any]:
    policy = deps.ctx.policy
    today = deps.ctx.clock.now().astimezone(LONDON).date()
    choices = []
    for choice in CHOICES:
        try:
            choices.append((choice, choose_providers(policy, choice, today)))
        except DomainError:
            continue  # nobody on the rota, or no single other provider: not offered
    return render.activate_modal(incident, choices, policy.ladder.contact_deadline)


async def open_form(
    deps: SlackDeps, user: str, channel: str, target: str, trigger_id: str, modal: Modal
) -> None:
    """Open the modal before anything slow: a trigger id is valid for three seconds. Both forms
    (activate, override the MoU) are for assessors, and show the incident's state, so anyone
    else gets the refusal now rather than a form."""
    usage = f"/cir {'activate' if modal is _activate_modal else 'override-mou'} CIR-2026-0001"
    try:
        actor = await deps.identity.actor(user)
        incident = await _load(deps, await incident_key(deps, target, channel, usage))
        if not is_assessor(actor, deps.ctx):
            inside = can_view(actor, incident, deps.ctx)
            raise NotAuthorised(ASSESSORS_ONLY if inside else NOT_YOURS)
    except DomainError as exc:
        await tell(deps, user, channel, str(exc))
        return
    await deps.client.views_open(trigger_id=trigger_id, view=modal(deps, incident))


async def open_contact_form(
    deps: SlackDeps, user: str, team: str, channel: str, incident_id: str, trigger_id: str
) -> None:
    """Answer at once when the click cannot succeed, rather than open a form that will be
    refused; the use case still decides when the form is submitted. Someone outside the
    incident hears only that it was not found or is not theirs."""
    try:
        actor = await deps.identity.actor(user, team)
    except DomainError as exc:
        await tell(deps, user, channel, str(exc))
        return
    async with deps.uow() as uow:
        incident = await uow.incidents.get(incident_id)
        engagements = await uow.engagements.for_incident(incident_id) if incident else []
    if incident is None or not can_view(actor, incident, deps.ctx):
        await tell(deps, user, channel, NOT_YOURS)
        return
    if not is_assigned_provider(actor, incident, deps.ctx):
        await tell(deps, user, channel, NOT_ASSIGNED)
        return
    if incident.state is not State.ACTIVATED:
        await tell(deps, user, channel, render.no_contact_text(incident, engagements))
        return
    view = render.contact_modal(incident, deps.ctx.clock.now())
    await deps.client.views_open(trigger_id=trigger_id, view=view)


# --- the slow halves ---------------------------------------------------------------------


async def record_mou_flow(
    deps: SlackDeps, user: str, team: str, channel: str, target: str, status: str
) -> None:
    try:
        actor = await deps.identity.actor(user, team)
        key = await incident_key(deps, target, channel, "/cir mou sent CIR-2026-0001")
        incident = await record_mou(RecordMou(actor, key, status), deps.uow(), deps.ctx)
    except DomainError as exc:
        await tell(deps, user, channel, str(exc))
        return
    await deps.room.post(incident.id, render.mou_text(incident, actor.name))
    await deps.room.refresh(incident.id)


async def acknowledge_flow(
    deps: SlackDeps, user: str, team: str, channel: str, incident_id: str
) -> None:
    try:
        actor = await deps.identity.actor(user, team)
        cmd = AcknowledgePage(actor, incident_id)
        engagement = await acknowledge_page(cmd, deps.uow(), deps.ctx)
        incident = await _load(deps, incident_id)
    except DomainError as exc:
        await tell(deps, user, channel, str(exc))
        return
    provider = deps.ctx.policy.providers[engagement.provider_id].name
    await tell(deps, user, channel, render.acknowledged_reply(incident, engagement))
    await deps.room.post(incident.id, render.acknowledged_text(incident, engagement, provider))
    await deps.room.refresh(incident.id)


async def page_then_announce(deps: SlackDeps, result: ActivationResult) -> None:
    """The pages first, on their own: nothing else of this incident's (its invitations, its
    card) is yet holding the incident's lock that a page's claim would step past. The rest
    then queues with the other work that follows an acknowledgement."""
    if deps.fire_now is not None:
        await deps.fire_now(result.page_ids)
    deps.tasks.spawn(after_activation(deps, result))


async def after_activation(deps: SlackDeps, result: ActivationResult) -> None:
    """The pages were fired on their own as soon as the form was answered; the scheduler is
    woken for the email (and for a page that could not be fired at once), and nothing here (a
    slow Slack, a failing invitation) may delay them."""
    incident_id = result.incident.id
    if deps.wake is not None:
        for due_at in sorted({d.due_at for d in result.deadlines}):
            deps.wake(due_at)
    await deps.room.post(incident_id, render.activated_text(result))
    if deps.firing is not None:
        await invite_providers(result, deps.firing, deps.uow)
    else:
        log.warning("providers not invited: no firing dependencies are wired")
    await deps.room.refresh(incident_id)


async def after_contact(deps: SlackDeps, result: ContactResult) -> None:
    if deps.wake is not None:
        for deadline in result.deadlines:
            deps.wake(deadline.due_at)
    provider = deps.ctx.policy.providers[result.engagement.provider_id].name
    await deps.room.post(result.incident.id, render.contact_text(result, provider))
    await deps.room.refresh(result.incident.id)


async def contact_after_ack(
    deps: SlackDeps, user: str, pending: asyncio.Task[ContactResult]
) -> None:
    """The form was acknowledged before "contact made" was stored: say how it ended."""
    try:
        result = await pending
    except DomainError as exc:
        fields = list(exc.field_errors.values()) if isinstance(exc, InvalidInput) else []
        await tell(deps, user, "", render.contact_not_recorded_text(str(exc), fields))
        return
    await tell(deps, user, "", render.contact_recorded_reply(result))
    await after_contact(deps, result)


async def after_override(deps: SlackDeps, incident: Incident, who: str) -> None:
    await deps.room.post(incident.id, render.override_text(incident, who))
    await deps.room.refresh(incident.id)


# --- /cir subcommands --------------------------------------------------------------------


async def _mou_command(deps: SlackDeps, command: dict[str, Any], args: list[str]) -> None:
    user, channel = command["user_id"], command.get("channel_id", "")
    if not args or args[0].lower() not in {"sent", "signed"}:
        await tell(deps, user, channel, f"Usage: `{SUBCOMMANDS['mou'].usage}`")
        return
    target = args[1] if len(args) > 1 else ""
    await record_mou_flow(deps, user, "", channel, target, args[0].lower())


def _form_command(modal: Modal) -> Run:
    async def run(deps: SlackDeps, command: dict[str, Any], args: list[str]) -> None:
        target = args[0] if args else ""
        user, channel = command["user_id"], command.get("channel_id", "")
        await open_form(deps, user, channel, target, command["trigger_id"], modal)

    return run


SUBCOMMANDS: dict[str, Subcommand] = {
    "mou": Subcommand(
        "/cir mou sent|signed [CIR-2026-0001]",
        "record that the MoU was sent to the council, or signed (reference optional in its "
        "channel)",
        _mou_command,
    ),
    "override-mou": Subcommand(
        "/cir override-mou [CIR-2026-0001]",
        "assessors: activate without a signed MoU, with a reason (opens a form)",
        _form_command(_override_modal),
    ),
    "activate": Subcommand(
        "/cir activate [CIR-2026-0001]",
        "assessors: activate and page the provider (opens a form)",
        _form_command(_activate_modal),
    ),
}


# --- listeners ---------------------------------------------------------------------------


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def actor_of(body: dict[str, Any]) -> Actor:
        user, team, _ = _who(body)
        return await deps.identity.actor(user, team)

    @app.action(Action.MOU_SENT.value)
    @app.action(Action.MOU_SIGNED.value)
    async def mou(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        status = "sent" if action["action_id"] == Action.MOU_SENT.value else "signed"
        user, team, channel = _who(body)
        deps.tasks.spawn(record_mou_flow(deps, user, team, channel, action["value"], status))

    @app.action(Action.OVERRIDE_MOU.value)
    @app.action(Action.ACTIVATE.value)
    async def form_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, _, channel = _who(body)
        overriding = action["action_id"] == Action.OVERRIDE_MOU.value
        modal = _override_modal if overriding else _activate_modal
        deps.tasks.spawn(open_form(deps, user, channel, action["value"], body["trigger_id"], modal))

    @app.action(Action.ACKNOWLEDGE_PAGE.value)
    async def acknowledge(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, team, channel = _who(body)
        deps.tasks.spawn(acknowledge_flow(deps, user, team, channel, action["value"]))

    @app.action(Action.CONTACT_MADE.value)
    async def contact(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, team, channel = _who(body)
        trigger = body["trigger_id"]
        deps.tasks.spawn(open_contact_form(deps, user, team, channel, action["value"], trigger))

    @app.view(Form.OVERRIDE_MOU.value)
    async def override_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = text_of(view["state"], In.REASON)
        try:
            actor = await actor_of(body)
            cmd = OverrideMou(actor, _incident_of(view), reason)
            incident = await override_mou(cmd, deps.uow(), deps.ctx)
        except DomainError as exc:
            await ack(response_action="errors", errors=_errors(exc, In.REASON))
            return
        await ack()
        deps.tasks.spawn(after_override(deps, incident, actor.name))

    @app.view(Form.ACTIVATE.value)
    async def activate_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        choice = value_of(view["state"], In.PROVIDER) or ""
        try:
            actor = await actor_of(body)
            cmd = ActivateIncident(actor, _incident_of(view), choice)
            result = await activate_incident(cmd, deps.uow(), deps.ctx)
        except DomainError as exc:
            await ack(response_action="errors", errors=_errors(exc, In.PROVIDER))
            return
        await ack()
        deps.tasks.right_after_answer(page_then_announce(deps, result), name="page")

    @app.view(Form.CONTACT.value)
    async def contact_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            actor = await actor_of(body)
        except DomainError as exc:
            await ack(response_action="errors", errors={In.CONTACT_AT.value: str(exc)})
            return
        state = view["state"]
        contact_at = value_of(state, In.CONTACT_AT)
        if contact_at is None:
            await ack(response_action="errors", errors={In.CONTACT_AT.value: "Give the time."})
            return
        method, notes = value_of(state, In.METHOD) or "", text_of(state, In.NOTES)
        cmd = RecordContact(actor, _incident_of(view), contact_at, method, notes)
        task = await within_window(record_contact(cmd, deps.uow(), deps.ctx))
        if not task.done():
            await ack()
            deps.tasks.spawn(contact_after_ack(deps, body["user"]["id"], task))
            return
        try:
            result = task.result()
        except DomainError as exc:
            await ack(response_action="errors", errors=_errors(exc, In.CONTACT_AT))
            return
        await ack()
        deps.tasks.spawn(after_contact(deps, result))
