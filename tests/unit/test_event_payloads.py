"""Event kinds and their payloads: one payload per kind, a wrong kind said loudly, and the
stored JSON exactly as the writers of the day wrote it (fields left out when empty)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.actors import SYSTEM
from bot.domain.events import (
    PAYLOADS,
    ContactRecorded,
    EventKind,
    NoteAdded,
    StateChanged,
    WrongKind,
    payload_of,
)
from bot.domain.incident import AttackerActive, Incident, Referral
from bot.domain.reference import Reference
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _event(kind: str, data: dict[str, object]) -> TimelineEvent:
    return TimelineEvent("i1", 7, kind, "system", "CIR bot", "system:cir-bot", AT, data, "", "")


def test_every_kind_has_exactly_one_payload_named_for_it() -> None:
    assert set(PAYLOADS) == set(EventKind)
    assert all(cls.kind is kind for kind, cls in PAYLOADS.items())


def test_an_event_read_as_another_kind_is_refused_loudly() -> None:
    note = _event("NoteAdded", {"text": "hello", "source": "slash"})
    assert NoteAdded.read(note) == NoteAdded(text="hello", source="slash")
    with pytest.raises(WrongKind, match="event 7 is a NoteAdded, not a ContactRecorded"):
        ContactRecorded.read(note)


def test_a_kind_this_code_does_not_know_has_no_payload_and_a_misspelt_one_is_no_kind() -> None:
    assert payload_of(_event("SomethingNew", {"x": 1})) is None
    with pytest.raises(ValueError, match="NoteAded"):
        EventKind("NoteAded")


def test_optional_fields_are_left_out_of_the_stored_json_when_not_given() -> None:
    moved = StateChanged(from_state="containment", to_state="recovery", summary="Rebuilt")
    assert moved.data() == {
        "from_state": "containment",
        "to_state": "recovery",
        "summary": "Rebuilt",
    }
    assert StateChanged.from_data(moved.data()) == moved


def test_a_field_an_older_record_lacks_reads_as_empty_or_none() -> None:
    contact = ContactRecorded.read(_event("ContactRecorded", {"provider_id": "kpmg"}))
    assert (contact.provider_id, contact.method, contact.cancelled_deadlines) == ("kpmg", "", 0)
    assert contact.minutes_to_contact is None
    assert contact.met_deadline is None


def test_the_aggregate_stores_the_payload_as_json_under_its_kind() -> None:
    referral = Referral(
        council_id="hackney",
        description="Ransomware",
        detected_at=AT,
        services_affected="Benefits",
        attacker_active=AttackerActive.UNKNOWN,
        contact_name="Hana Council",
        contact_email="hana@hackney.example",
        contact_phone="07700 900555",
        bodies_told=("ncsc",),
    )
    incident = Incident.open("i1", Reference(2026, 1), referral, SYSTEM, AT)
    incident.note(NoteAdded(text="hello", source="slash"), SYSTEM, AT)
    incident.move_to(State.THRESHOLD_CHECK, SYSTEM, AT)
    opened, noted, moved = incident.pending_events
    assert opened.kind == "ReferralReceived"
    assert opened.data == {"reference": "CIR-2026-0001", **referral.as_dict()}
    assert (noted.kind, noted.data) == ("NoteAdded", {"text": "hello", "source": "slash"})
    assert (moved.kind, moved.data) == (
        "StateChanged",
        {"from_state": "referral_received", "to_state": "threshold_check"},
    )
