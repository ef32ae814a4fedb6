"""Rota times as operators write them: London wall-clock minutes (`2026-03-29 08:00`), or a bare
date meaning 00:00 London that day, turned into exact instants.

Duty managers hand over at a set London time whatever the season, so a handover is stored as the
instant that wall-clock time names on that day (08:00 is 07:00 UTC in summer, 08:00 UTC in
winter). A time that does not exist in London (01:30 on the last Sunday of March, skipped when
the clocks go forward) or exists twice (01:30 on the last Sunday of October) stops start-up:
guessing would put the wrong person on duty for an hour.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.policy.reader import Node

LONDON = ZoneInfo("Europe/London")
FORM = "write YYYY-MM-DD or 'YYYY-MM-DD HH:MM' (London time)"


def london(day: date, at: time = time(0, 0)) -> datetime:
    """The instant of London wall-clock `at` on `day`, refusing skipped or repeated times."""
    local = datetime.combine(day, at, tzinfo=LONDON)
    if local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(f"{local:%Y-%m-%d %H:%M} does not exist in London (the clocks go forward)")
    if local.utcoffset() != local.replace(fold=1).utcoffset():
        raise ValueError(f"{local:%Y-%m-%d %H:%M} happens twice in London (the clocks go back)")
    return local


def instant(node: Node) -> datetime:
    """A rota boundary: a date (00:00 London), a London date-time, or one with a UTC offset."""
    value = node.value
    try:
        if isinstance(value, datetime):  # YAML's own timestamps (with seconds)
            return value if value.tzinfo else london(value.date(), value.time())
        if isinstance(value, date):
            return london(value)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip())
            return parsed if parsed.tzinfo else london(parsed.date(), parsed.time())
    except ValueError as exc:
        raise node.fail(str(exc), f"{FORM}; pick a time outside 01:00-02:00 that day") from None
    raise node.fail(f"expected a date or a date and time, got {value!r}", FORM)


def end_of(node: Node) -> datetime:
    """A period's `to`: a bare date covers that whole London day (ends 00:00 the next day); a
    date-time is the handover minute itself."""
    value = node.value
    if isinstance(value, date) and not isinstance(value, datetime):
        return london(value + timedelta(days=1))
    return instant(node)
