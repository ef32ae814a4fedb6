"""The provider's contact: the contract's 30-minute clock, and the ladder that chased it."""

from __future__ import annotations

from datetime import datetime

from bot.domain.events import ContactRecorded, ContactReminderSent, EscalationSent, ProviderPaged
from bot.reporting.record import Read, Record
from bot.reporting.report import Contact, LadderStep
from bot.reporting.words import OrgNames, clean, escalation_routes, parse_time


def contact(record: Record, names: OrgNames, now: datetime) -> Contact:
    """The contract's clock runs from the first page; the first contact recorded stops it."""
    pages = record.all(ProviderPaged)
    first = pages[0] if pages else None
    notified = (parse_time(first.payload.notified_at) or first.at) if first else None
    deadline = parse_time(first.payload.deadline_at) if first else None
    contacts = [(parse_time(e.payload.contact_at) or e.at, e) for e in record.all(ContactRecorded)]
    made = min(contacts, key=lambda c: c[0]) if contacts else None
    contact_at = made[0] if made else None
    minutes = (contact_at - notified).total_seconds() / 60 if contact_at and notified else None
    met: bool | None = None
    if deadline is not None:
        if contact_at is not None:
            met = contact_at <= deadline
        elif now > deadline:
            met = False
    providers = tuple(dict.fromkeys(str(p) for e in pages for p in e.payload.provider_ids or ()))
    return Contact(
        providers=tuple(names.provider(p) for p in providers),
        notified_at=notified,
        deadline_at=deadline,
        contact_at=contact_at,
        contact_recorded_at=made[1].at if made else None,
        contact_by=_by(made[1]) if made else "",
        method=clean(made[1].payload.method).replace("_", " ") if made else "",
        minutes_to_contact=round(minutes, 1) if minutes is not None else None,
        met_deadline=met,
        reminders=tuple(
            _step(e.at, e.payload.level, "the provider") for e in record.all(ContactReminderSent)
        ),
        escalations=tuple(
            _step(e.at, e.payload.level, escalation_routes(e.payload))
            for e in record.all(EscalationSent)
        ),
    )


def _by(made: Read[ContactRecorded]) -> str:
    return clean(made.payload.by) or made.actor_name


def _step(at: datetime, level: object, detail: str) -> LadderStep:
    return LadderStep(at, level if isinstance(level, int) else 0, detail)
