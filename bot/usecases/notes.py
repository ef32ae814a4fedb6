"""Timeline notes by hand: anyone in the incident may put a fact on the record, by /cir note or
by the 'Add to timeline' message shortcut. Someone outside the incident's organisations is
refused, and the attempt itself is recorded: the timeline is evidence, so who tried to write
to it matters."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.actors import Actor
from bot.domain.errors import DomainError
from bot.domain.events import NoteAdded
from bot.domain.incident import Incident
from bot.ports import UnitOfWork
from bot.usecases.authz import Act, Who, authorised
from bot.usecases.context import CoreContext
from bot.usecases.validation import FieldErrors

PARTICIPANTS_ONLY = (
    "Only people from MHCLG, the incident's provider or its council can add to its timeline."
)


class NoteSource(StrEnum):
    SLASH = "slash"
    MESSAGE_SHORTCUT = "message_shortcut"


@dataclass(frozen=True)
class AddNote:
    actor: Actor
    incident: str  # id or CIR reference
    text: str
    source: NoteSource
    idempotency_key: str = ""  # e.g. the shortcut's message ts: one message, one note


async def add_note(cmd: AddNote, uow: UnitOfWork, ctx: CoreContext) -> Incident:
    key = f"note:{cmd.idempotency_key}" if cmd.idempotency_key else ""
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.ADD_NOTE, Who.PARTICIPANT, PARTICIPANTS_ONLY
        )
        if key and await uow.requests.get(key):
            raise DomainError(f"That is already on the timeline of {incident.reference}.")
        errors = FieldErrors()
        text = errors.text("note", cmd.text, label="The note")
        errors.raise_if_any()
        now = ctx.clock.now()
        incident.note(NoteAdded(text=text, source=NoteSource(cmd.source).value), cmd.actor, now)
        if key:
            await uow.requests.remember(key, now, {"incident_id": incident.id})
        await uow.commit()
    return incident
