"""The ids of the Teams forms' inputs: the contract between these cards and the Teams flows that
read an `adaptiveCard/action` invoke's `data`.

Each id is the field name the core's use case gives its `InvalidInput.field_errors` (and the
Slack forms use as block ids), so an error lands on the input it is about without any mapping.
Teams has no date-and-time picker: a time is a date input and a time input, both read as UK
time (Europe/London), which is what every time the bot shows beside UTC is.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from bot.domain.uk_time import LONDON

VALUE = "value"  # every action's data: the button's value (the incident), as Slack's


class PhaseInput(StrEnum):
    TARGET = "target"
    SUMMARY = "summary"


class UpdateInput(StrEnum):
    WHAT_CHANGED = "what_changed"
    IMPACT = "impact"
    NEXT_STEPS = "next_steps"
    PERSONAL_DATA = "personal_data"


PERSONAL_DATA_INVOLVED = "involved"  # the toggle's value when on (Slack's checkbox value)
PERSONAL_DATA_NOT = "not_involved"  # and when off


class NoteInput(StrEnum):
    NOTE = "note"


class ContactInput(StrEnum):
    DATE = "contact_date"
    TIME = "contact_time"
    METHOD = "method"
    NOTES = "notes"


class ChecklistInput(StrEnum):
    ITEM = "item"
    STATUS = "status"
    REFERENCE = "reference"
    REASON = "reason"
    DATE = "done_date"
    TIME = "done_time"


class EndingInput(StrEnum):
    REASON = "reason"


def recommendation_ids(n: int) -> tuple[str, str]:
    """Input ids of recommendation row n (from 1): the names the lessons use case gives its
    field errors."""
    return f"recommendation_{n}", f"recommendation_{n}_owner"


def uk_date_time(day: str, clock: str) -> datetime | None:
    """A date input's `YYYY-MM-DD` and a time input's `HH:MM` as the UK time they name; None
    if either is missing or malformed (the flow then asks again, as for any bad input)."""
    try:
        on, at = date.fromisoformat(day.strip()), time.fromisoformat(clock.strip())
    except (ValueError, AttributeError):
        return None
    return datetime.combine(on, at.replace(tzinfo=None), tzinfo=LONDON)


def uk_local(at: datetime) -> tuple[str, str]:
    """The date and time inputs' values that show `at` in UK time."""
    local = at.astimezone(LONDON)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")
