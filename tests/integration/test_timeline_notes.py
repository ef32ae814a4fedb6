"""Notes on the timeline: anyone in the incident may add one; from outside it, or over the limit,
the note is refused and the refusal recorded."""

from __future__ import annotations

import pytest

from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.usecases.notes import AddNote, NoteSource, add_note
from tests.factories import ACCENTURE_RESPONDER, ASSESSOR, COUNCIL_USER, KPMG_RESPONDER
from tests.integration.response_steps import CAMDEN_USER, events, refused, responding


async def test_anyone_in_the_incident_may_add_a_note(uow_factory, ctx) -> None:
    incident = await responding(uow_factory, ctx)
    await add_note(
        AddNote(COUNCIL_USER, incident.id, "Payroll run moved to Friday.", NoteSource.SLASH),
        uow_factory(),
        ctx,
    )
    await add_note(
        AddNote(
            KPMG_RESPONDER,
            incident.id,
            "Found the initial access.",
            NoteSource.MESSAGE_SHORTCUT,
            "ts-1",
        ),
        uow_factory(),
        ctx,
    )
    with pytest.raises(DomainError, match="already on the timeline"):
        await add_note(
            AddNote(
                KPMG_RESPONDER,
                incident.id,
                "Found the initial access.",
                NoteSource.MESSAGE_SHORTCUT,
                "ts-1",
            ),
            uow_factory(),
            ctx,
        )
    notes = await events(uow_factory, incident.id, "NoteAdded")
    assert [(n.organisation, n.data) for n in notes] == [
        ("council:hackney", {"text": "Payroll run moved to Friday.", "source": "slash"}),
        ("provider:kpmg", {"text": "Found the initial access.", "source": "message_shortcut"}),
    ]


async def test_a_note_from_outside_the_incident_is_refused_and_recorded(uow_factory, ctx) -> None:
    incident = await responding(uow_factory, ctx)
    for outsider in (CAMDEN_USER, ACCENTURE_RESPONDER):
        with pytest.raises(NotAuthorised, match="not found, or it is not yours"):
            await add_note(
                AddNote(outsider, incident.id, "Hello", NoteSource.SLASH), uow_factory(), ctx
            )
    assert await events(uow_factory, incident.id, "NoteAdded") == []
    assert await refused(uow_factory, incident.id) == [
        (CAMDEN_USER.user_id, "add_note"),
        (ACCENTURE_RESPONDER.user_id, "add_note"),
    ]


async def test_an_over_long_note_is_refused_naming_the_limit(uow_factory, ctx) -> None:
    incident = await responding(uow_factory, ctx)
    with pytest.raises(InvalidInput) as caught:
        await add_note(
            AddNote(ASSESSOR, incident.id, "n" * 3001, NoteSource.SLASH), uow_factory(), ctx
        )
    assert caught.value.field_errors == {"note": "The note is 3001 characters; the limit is 3000."}
    await add_note(AddNote(ASSESSOR, incident.id, "n" * 3000, NoteSource.SLASH), uow_factory(), ctx)
    [note] = await events(uow_factory, incident.id, "NoteAdded")
    assert len(note.data["text"]) == 3000
