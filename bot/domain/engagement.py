"""A provider's engagement with one incident: when it was paged, when it had to reach the council,
who acknowledged, and when, by whom and how contact was made.

The timeline already holds every event; the engagement is the current answer to "has this
provider acknowledged / made contact?", kept per (incident, provider) because a mass event can
send both providers to the same council.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.actors import Actor
from bot.domain.errors import DomainError, InvalidInput


class ContactMethod(StrEnum):
    PHONE = "phone"
    VIDEO = "video"
    ON_SITE = "on_site"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return {"phone": "by phone", "video": "by video call", "on_site": "on site"}.get(
            self.value, "by email"
        )


def parse_method(value: str) -> ContactMethod:
    try:
        return ContactMethod(value.strip().lower())
    except ValueError:
        known = ", ".join(m.value for m in ContactMethod)
        raise InvalidInput(
            f"Unknown contact method {value!r}.", {"method": f"Choose one of: {known}."}
        ) from None


@dataclass
class Engagement:
    incident_id: str
    provider_id: str
    notified_at: datetime
    deadline_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    acknowledged_by_name: str = ""
    contact_at: datetime | None = None
    contact_by: str = ""
    contact_by_name: str = ""
    contact_method: str = ""
    contact_recorded_at: datetime | None = None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def contact_made(self) -> bool:
        return self.contact_at is not None

    def acknowledge(self, actor: Actor, now: datetime) -> None:
        if self.acknowledged_at is not None:
            raise DomainError(
                f"This page was already acknowledged by {self.acknowledged_by_name} at "
                f"{self.acknowledged_at:%H:%M} UTC; nothing changed."
            )
        self.acknowledged_at = now
        self.acknowledged_by, self.acknowledged_by_name = actor.user_id, actor.name

    def record_contact(
        self, actor: Actor, contact_at: datetime, method: ContactMethod, now: datetime
    ) -> None:
        check_contact_time(contact_at, self.notified_at, now)
        if self.contact_at is not None:
            raise DomainError(
                f"Contact was already recorded at {self.contact_at:%H:%M} UTC by "
                f"{self.contact_by_name}; nothing changed."
            )
        self.contact_at, self.contact_recorded_at = contact_at, now
        self.contact_by, self.contact_by_name = actor.user_id, actor.name
        self.contact_method = method.value

    @property
    def met_deadline(self) -> bool | None:
        """Contact at the deadline instant is in time (the same rule as the card's countdown)."""
        return None if self.contact_at is None else self.contact_at <= self.deadline_at

    @property
    def minutes_to_contact(self) -> float | None:
        if self.contact_at is None:
            return None
        return round((self.contact_at - self.notified_at).total_seconds() / 60, 1)


def check_contact_time(contact_at: datetime, notified_at: datetime, now: datetime) -> None:
    """People give the contact time to the minute, so a contact "at 09:00" after a page at
    09:00:40 is accepted: the floor is the notification's minute, not its second."""
    if contact_at.tzinfo is None:
        raise InvalidInput("The contact time needs a time zone.", {"contact_at": "Give a time."})
    if contact_at > now:
        raise InvalidInput(
            "The contact time is in the future.",
            {"contact_at": "Give the time contact was made, not a time still to come."},
        )
    floor = notified_at.replace(second=0, microsecond=0)
    if contact_at < floor:
        raise InvalidInput(
            f"The contact time is before the provider was paged ({notified_at:%H:%M} UTC).",
            {"contact_at": "Contact can only be made after the page."},
        )


def overdue_minutes(deadline_at: datetime, now: datetime) -> int:
    return max(int((now - deadline_at) / timedelta(minutes=1)), 0)
