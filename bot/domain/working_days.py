"""Working days, for reminders people are expected to answer in office hours: lessons learned are
due "within 2 working days", and a reminder that lands on a Sunday or on Boxing Day would be
both useless and unfair to the organisation it names.

Dates are judged in the service's own time zone (England), so 23:30 UTC on a Sunday in summer
counts as Monday morning, as it does for the people reading the reminder.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta, tzinfo

SATURDAY = 5


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < SATURDAY and day not in holidays


def add_working_days(
    start: datetime, days: int, holidays: Collection[date], tz: tzinfo = UTC
) -> datetime:
    """The same local time of day, `days` working days after `start`.

    Counting starts the day after `start`, whatever `start` is: closed on a Saturday, two
    working days later is Tuesday. The wall-clock time is kept across a clock change.
    """
    if start.tzinfo is None:
        raise ValueError("add_working_days needs a timezone-aware start")
    if days < 0:
        raise ValueError(f"cannot add {days} working days; give 0 or more")
    local = start.astimezone(tz)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    result = datetime.combine(day, local.time(), tzinfo=tz)
    return result.astimezone(start.tzinfo)
