"""The response on Teams: status updates, timeline notes and phase changes, each a form shown in
place of the card, then its submit."""

from __future__ import annotations

from bot.domain.actors import Actor
from bot.domain.errors import DomainError
from bot.domain.events import NoteAdded
from bot.domain.states import ALLOWED, State
from bot.usecases import notes, phases, status_updates
from bot.usecases.authz import Who
from bot.usecases.notes import AddNote, NoteSource, add_note
from bot.views.actions import Action, Form
from bot.views.mirror import phase_changed
from handlers.acting import Asker, acting
from handlers.teams.flows.common import card_of, changed, viewable
from handlers.teams.identity import TeamsEdge
from handlers.teams.invoke import Flow
from handlers.teams.mirroring import mirror_from_teams
from handlers.teams.render.inputs import (
    PERSONAL_DATA_INVOLVED,
    NoteInput,
    PhaseInput,
    UpdateInput,
)

ON = (PERSONAL_DATA_INVOLVED, "true")  # the toggle's value when on, or a plain true


@acting
async def update_form(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    incident = await viewable(edge, actor, key, Who.RESPONDER, status_updates.RESPONDERS_ONLY)
    edge.answer = edge.deps.cards.status_update_form(incident)


@acting
async def update_submitted(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    cmd = status_updates.PostStatusUpdate(
        actor,
        key,
        what_changed=data.get(UpdateInput.WHAT_CHANGED, ""),
        impact=data.get(UpdateInput.IMPACT, ""),
        next_steps=data.get(UpdateInput.NEXT_STEPS, ""),
        # the invoke's id: Teams sends a retried submit with the same id, a new click a new one
        idempotency_key=f"teams:{edge.activity.id}",
        personal_data=data.get(UpdateInput.PERSONAL_DATA, "").lower() in ON,
    )
    deps = edge.deps
    result = await status_updates.post_status_update(
        cmd, deps.uow(), deps.ctx, deps.ctx.policy.followups
    )
    changed(
        edge, result.incident.id, (d.due_at for d in [result.next_prompt, *result.ico_reminders])
    )
    mirror_from_teams(deps, result.incident, actor, result.posted)
    await card_of(edge, result.incident.id)


@acting
async def note_form(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    incident = await viewable(edge, actor, key, Who.PARTICIPANT, notes.PARTICIPANTS_ONLY)
    edge.answer = edge.deps.cards.note_form(incident)


@acting
async def note_submitted(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    cmd = AddNote(
        actor, key, data.get(NoteInput.NOTE, ""), NoteSource.SLASH, f"teams:{edge.activity.id}"
    )
    incident = await add_note(cmd, edge.deps.uow(), edge.deps.ctx)
    changed(edge, incident.id)
    mirror_from_teams(
        edge.deps, incident, actor, NoteAdded(text=cmd.text.strip(), source=cmd.source.value)
    )
    await card_of(edge, incident.id)


@acting
async def phase_form(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    incident = await viewable(edge, actor, key, Who.RESPONDER, phases.RESPONDERS_ONLY)
    targets = sorted(ALLOWED[incident.state] & phases.PHASES, key=list(State).index)
    if not targets:
        raise DomainError(
            f"{incident.reference} is {incident.state.label.lower()}: phases change only "
            "during an active response."
        )
    edge.answer = edge.deps.cards.phase_form(incident, targets)


@acting
async def phase_submitted(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    summary = data.get(PhaseInput.SUMMARY, "")
    cmd = phases.ChangePhase(actor, key, State.parse(data.get(PhaseInput.TARGET, "")), summary)
    deps = edge.deps
    result = await phases.change_phase(cmd, deps.uow(), deps.ctx, deps.ctx.policy.followups)
    changed(edge, result.incident.id, (d.due_at for d in result.deadlines))
    mirror_from_teams(deps, result.incident, actor, phase_changed(result, summary.strip()))
    await card_of(edge, result.incident.id)


FLOWS: dict[str, Flow] = {
    Action.POST_UPDATE: update_form,
    Form.STATUS_UPDATE: update_submitted,
    Action.ADD_NOTE: note_form,
    Form.NOTE: note_submitted,
    Action.CHANGE_PHASE: phase_form,
    Form.PHASE: phase_submitted,
}
