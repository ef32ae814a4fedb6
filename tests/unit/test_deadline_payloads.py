"""Deadline payloads: one typed payload per deadline kind, the stored JSON exactly as the code
before them wrote it (tests/fixtures/deadline_payloads_v1.json), and the store's own evidence
(`first_due_at`, `cancelled_at`) kept by the row, never copied to the next level."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.domain.deadline_payloads import (
    DEADLINE_PAYLOADS,
    ContactEscalationDue,
    ContactStepDue,
    ReviewReminderDue,
    WrongDeadline,
    cancelled,
    first_due,
    payload_of,
)
from bot.domain.deadlines import Deadline, DeadlineKind

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FIXTURE = Path(__file__).parent.parent / "fixtures" / "deadline_payloads_v1.json"
STORED: list[dict[str, Any]] = json.loads(FIXTURE.read_text())["payloads"]
NEWER_THAN_THE_FIXTURE = {
    DeadlineKind.ESCALATION_RETRY,
    DeadlineKind.MONTHLY_FIGURES,
    DeadlineKind.RETENTION_PURGE,
}


def _deadline(kind: DeadlineKind, payload: dict[str, Any]) -> Deadline:
    return Deadline("d1", "i1", kind, AT, level=2, payload=payload)


def _complete(kind: DeadlineKind, payload: dict[str, Any]) -> bool:
    """Written by the code of the day, not made by hand in a test with keys left out."""
    cls = DEADLINE_PAYLOADS[kind]
    return all(f.name in payload for f in fields(cls) if f.default is not None)


def test_every_deadline_kind_has_exactly_one_payload_named_for_it() -> None:
    assert set(DEADLINE_PAYLOADS) == set(DeadlineKind)
    assert all(cls.kind is kind for kind, cls in DEADLINE_PAYLOADS.items())


@pytest.mark.parametrize(
    "stored", STORED, ids=[f"{s['kind']}:{'+'.join(s['payload']) or 'empty'}" for s in STORED]
)
def test_a_stored_payload_reads_and_writes_back_key_for_key(stored: dict[str, Any]) -> None:
    kind, payload = DeadlineKind(stored["kind"]), stored["payload"]
    due = payload_of(_deadline(kind, payload))
    assert type(due) is DEADLINE_PAYLOADS[kind]
    if _complete(kind, payload):
        assert list(due.data().items()) == list(payload.items())


def test_the_fixture_holds_every_kind_as_written() -> None:
    written = {
        DeadlineKind(s["kind"]) for s in STORED if _complete(DeadlineKind(s["kind"]), s["payload"])
    }
    assert written == set(DeadlineKind) - NEWER_THAN_THE_FIXTURE


def test_a_deadline_read_as_another_kind_is_refused_loudly() -> None:
    escalation = _deadline(DeadlineKind.CONTACT_ESCALATION, {"notify": [], "deadline_at": ""})
    assert isinstance(ContactEscalationDue.of(escalation), ContactEscalationDue)
    with pytest.raises(WrongDeadline, match="d1 is a contact_escalation, not a contact_reminder"):
        ContactStepDue.of(escalation)


def test_the_store_keeps_when_a_row_was_first_due_once_and_the_next_level_starts_clean() -> None:
    step = ContactEscalationDue(notify=("sms",), deadline_at="x", step=4, repeat_after=900.0)
    moved = first_due(step.data(), AT)
    assert first_due(moved, datetime(2026, 11, 23, 10, 0, tzinfo=UTC)) == moved  # kept once
    stopped = cancelled(moved, AT)
    assert list(stopped)[-2:] == ["first_due_at", "cancelled_at"]
    due = ContactEscalationDue.of(_deadline(DeadlineKind.CONTACT_ESCALATION, stopped))
    assert due.first_due_at == AT.isoformat()
    assert due.cancelled_at == AT.isoformat()
    assert due.for_next_level().data() == step.data()


def test_optional_keys_are_left_out_when_not_given() -> None:
    assert "repeat_after" not in ContactStepDue(notify=(), deadline_at="x", step=0).data()
    review = ReviewReminderDue(assessor="u", missing="", repeat_after=60.0)
    assert review.data() == {"assessor": "u", "missing": "", "repeat_after": 60.0}
