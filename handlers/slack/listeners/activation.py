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
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

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
from bot.usecases.authz import NOT_YOURS, Who, may_open
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
from bot.usecases.threshold import ASSESSORS_ONLY
from bot.views.actions import Action, Form
from handlers.acting import Asker, acting
from handlers.slack.ack_window import within_window
from handlers.slack.askers import of_action, of_command
from handlers.slack.context import SlackDeps
from handlers.slack.listeners.flows import incident_key
from handlers.slack.listeners.subcommands import Run, Subcommand
from handlers.slack.mirroring import contact_made
from handlers.slack.parse import text_of, value_of
from handlers.slack.render import activation as render
from handlers.slack.render.activation import ActivationInput as In
from handlers.slack.submission import Inline, submission

log = logging.getLogger(__name__)
T = TypeVar("T")
Modal = Callable[[SlackDeps, Incident], dict[str, Any]]


def _incident_of(view: dict[str, Any]) -> str:
    return str(json.loads(view.get("private_metadata") or "{}").get("incident_id", ""))


async def _load(deps: SlackDeps, key: str) -> Incident:
    async with deps.uow() as uow:
        return await load_incident(uow, key)


# --- modals ------------------------------------------------------------------------------


def _override_modal(deps: SlackDeps, incident: Incident) -> dict[str, Any]:
    return render.override_mou_modal(incident)


def _activate_modal(deps: SlackDeps, incident: Incident) -> dict[str, Any]:
    policy = deps.ctx.policy
    now = deps.ctx.clock.now()
    choices = []
    for choice in CHOICES:
        try:
            choices.append((choice, choose_providers(policy, choice, now)))
        except DomainError:
            continue  # nobody on the rota, or no single other provider: not offered
    return render.activate_modal(incident, choices, policy.ladder.contact_deadline)


@acting
async def open_form(
    deps: SlackDeps, actor: Actor, asker: Asker, target: str, trigger_id: str, modal: Modal
) -> None:
    """Open the modal before anything slow: a trigger id is valid for three seconds. Both forms
    (activate, override the MoU) are for assessors, and show the incident's state, so anyone
    else gets the refusal now rather than a form."""
    usage = f"/cir {'activate' if modal is _activate_modal else 'override-mou'} CIR-2026-0001"
    key = await incident_key(deps, target, asker.channel, usage)
    async with deps.uow() as uow:
        incident = await may_open(uow, deps.ctx, actor, key, Who.ASSESSOR, ASSESSORS_ONLY)
    await deps.client.views_open(trigger_id=trigger_id, view=modal(deps, incident))


@acting
async def open_contact_form(
    deps: SlackDeps, actor: Actor, asker: Asker, incident_id: str, trigger_id: str
) -> None:
    """Answer at once when the click cannot succeed, rather than open a form that will be
    refused; the use case still decides when the form is submitted. Someone outside the
    incident hears only that it was not found or is not theirs."""
    async with deps.uow() as uow:
        incident = await may_open(uow, deps.ctx, actor, incident_id, Who.VIEWER, NOT_YOURS)
        engagements = await uow.engagements.for_incident(incident.id)
    if not is_assigned_provider(actor, incident, deps.ctx):
        raise NotAuthorised(NOT_ASSIGNED)
    if incident.state is not State.ACTIVATED:
        await deps.tell(asker, render.no_contact_text(incident, engagements))
        return
    view = render.contact_modal(incident, deps.ctx.clock.now())
    await deps.client.views_open(trigger_id=trigger_id, view=view)


# --- the slow halves ---------------------------------------------------------------------


@acting
async def record_mou_flow(
    deps: SlackDeps, actor: Actor, asker: Asker, target: str, status: str
) -> None:
    key = await incident_key(deps, target, asker.channel, "/cir mou sent CIR-2026-0001")
    incident = await record_mou(RecordMou(actor, key, status), deps.uow(), deps.ctx)
    await deps.room.post(incident.id, render.mou_text(incident, actor.name))
    await deps.room.refresh(incident.id)


@acting
async def acknowledge_flow(deps: SlackDeps, actor: Actor, asker: Asker, incident_id: str) -> None:
    cmd = AcknowledgePage(actor, incident_id)
    engagement = await acknowledge_page(cmd, deps.uow(), deps.ctx)
    incident = await _load(deps, incident_id)
    provider = deps.ctx.policy.providers[engagement.provider_id].name
    await deps.tell(asker, render.acknowledged_reply(incident, engagement))
    await deps.room.post(incident.id, render.acknowledged_text(incident, engagement, provider))
    await deps.room.refresh(incident.id)


async def page_then_announce(deps: SlackDeps, result: ActivationResult) -> None:
    """The pages first, on their own: nothing else of this incident's (its invitations, its
    card) is yet holding the incident's lock that a page's claim would step past. The rest
    then queues with the other work that follows an acknowledgement."""
    await deps.wake.fire_now(result.page_ids)
    deps.tasks.spawn(after_activation(deps, result))


async def after_activation(deps: SlackDeps, result: ActivationResult) -> None:
    """The pages were fired on their own as soon as the form was answered; the scheduler is
    woken for the email (and for a page that could not be fired at once), and nothing here (a
    slow Slack, a failing invitation) may delay them."""
    incident_id = result.incident.id
    deps.wake_for(sorted({d.due_at for d in result.deadlines}))
    await deps.room.post(incident_id, render.activated_text(result))
    await invite_providers(result, deps.firing, deps.uow)
    await deps.room.refresh(incident_id)


async def after_contact(deps: SlackDeps, result: ContactResult) -> None:
    deps.wake_for(d.due_at for d in result.deadlines)
    provider = deps.ctx.policy.providers[result.engagement.provider_id].name
    contact_made(deps, result)
    await deps.room.post(result.incident.id, render.contact_text(result, provider))
    await deps.room.refresh(result.incident.id)


async def _stored_after_ack(
    deps: SlackDeps,
    user: str,
    pending: asyncio.Task[T],
    not_recorded: Callable[[str, Sequence[str]], str],
) -> T | None:
    """A form acknowledged before its use case finished (it waited past the answer's window):
    the result, or None once the person has been told why it was refused (the form has
    closed, so in a message)."""
    try:
        return await pending
    except DomainError as exc:
        fields = list(exc.field_errors.values()) if isinstance(exc, InvalidInput) else []
        await deps.tell(Asker(user), not_recorded(str(exc), fields))
        return None


async def activation_after_ack(
    deps: SlackDeps, user: str, pending: asyncio.Task[ActivationResult]
) -> None:
    """The activation stored after its form was acknowledged: the pages as soon as it is, then
    the assessor is told."""
    result = await _stored_after_ack(deps, user, pending, render.activation_not_recorded_text)
    if result is not None:
        await page_then_announce(deps, result)
        await deps.tell(Asker(user), render.activation_recorded_reply(result))


async def contact_after_ack(
    deps: SlackDeps, user: str, pending: asyncio.Task[ContactResult]
) -> None:
    """ "Contact made" stored after its form was acknowledged: say how it ended."""
    result = await _stored_after_ack(deps, user, pending, render.contact_not_recorded_text)
    if result is not None:
        await deps.tell(Asker(user), render.contact_recorded_reply(result))
        await after_contact(deps, result)


async def after_override(deps: SlackDeps, incident: Incident, who: str) -> None:
    await deps.room.post(incident.id, render.override_text(incident, who))
    await deps.room.refresh(incident.id)


# --- /cir subcommands --------------------------------------------------------------------


async def _mou_command(deps: SlackDeps, command: dict[str, Any], args: list[str]) -> None:
    asker = of_command(command)
    if not args or args[0].lower() not in {"sent", "signed"}:
        await deps.tell(asker, f"Usage: `{SUBCOMMANDS['mou'].usage}`")
        return
    target = args[1] if len(args) > 1 else ""
    await record_mou_flow(deps, asker, target, args[0].lower())


def _form_command(modal: Modal) -> Run:
    async def run(deps: SlackDeps, command: dict[str, Any], args: list[str]) -> None:
        target = args[0] if args else ""
        await open_form(deps, of_command(command), target, command["trigger_id"], modal)

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
        opens_form=True,
    ),
    "activate": Subcommand(
        "/cir activate [CIR-2026-0001]",
        "assessors: activate and page the provider (opens a form)",
        _form_command(_activate_modal),
        opens_form=True,
    ),
}


# --- listeners ---------------------------------------------------------------------------


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(Action.MOU_SENT.value)
    @app.action(Action.MOU_SIGNED.value)
    async def mou(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        status = "sent" if action["action_id"] == Action.MOU_SENT.value else "signed"
        deps.tasks.spawn(record_mou_flow(deps, of_action(body), action["value"], status))

    @app.action(Action.OVERRIDE_MOU.value)
    @app.action(Action.ACTIVATE.value)
    async def form_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        overriding = action["action_id"] == Action.OVERRIDE_MOU.value
        modal = _override_modal if overriding else _activate_modal
        asker, trigger = of_action(body), body["trigger_id"]
        deps.tasks.spawn_form(open_form(deps, asker, action["value"], trigger, modal))

    @app.action(Action.ACKNOWLEDGE_PAGE.value)
    async def acknowledge(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(acknowledge_flow(deps, of_action(body), action["value"]))

    @app.action(Action.CONTACT_MADE.value)
    async def contact(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        asker, trigger = of_action(body), body["trigger_id"]
        deps.tasks.spawn_form(open_contact_form(deps, asker, action["value"], trigger))

    @app.view(Form.OVERRIDE_MOU.value)
    @submission(deps, Inline(In.REASON, In))
    async def override_submitted(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        reason = text_of(view["state"], In.REASON)
        cmd = OverrideMou(actor, _incident_of(view), reason)
        incident = await override_mou(cmd, deps.uow(), deps.ctx)
        await ack()
        deps.tasks.spawn(after_override(deps, incident, actor.name))

    @app.view(Form.ACTIVATE.value)
    @submission(deps, Inline(In.PROVIDER, In))
    async def activate_submitted(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        choice = value_of(view["state"], In.PROVIDER) or ""
        cmd = ActivateIncident(actor, _incident_of(view), choice)
        task = await within_window(activate_incident(cmd, deps.uow(), deps.ctx))
        if not task.done():
            await ack()
            later = activation_after_ack(deps, body["user"]["id"], task)
            deps.tasks.spawn(later, name="page", urgent=True)
            return
        result = task.result()  # a refusal is shown in the form (`submission`)
        await ack()
        deps.tasks.right_after_answer(page_then_announce(deps, result), name="page")

    @app.view(Form.CONTACT.value)
    @submission(deps, Inline(In.CONTACT_AT, In))
    async def contact_submitted(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
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
        result = task.result()  # a refusal is shown in the form (`submission`)
        await ack()
        deps.tasks.spawn(after_contact(deps, result))
