"""Times as people read them: in messages UTC and London, both named; in documents UK time with
its zone (GMT or BST), as a UK reader expects."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def clock_time(at: datetime) -> str:
    """'09:30 UTC (10:30 BST, London)': both clocks, named, so nobody converts in their head."""
    utc, local = at.astimezone(UTC), at.astimezone(LONDON)
    return f"{utc:%H:%M} UTC ({local:%H:%M} {local:%Z}, London)"


def uk_time(at: datetime) -> str:
    """'23 Nov 2026 09:00 GMT' / '1 Jul 2026 10:00 BST': day first, the zone always shown."""
    local = at.astimezone(LONDON)
    return f"{local.day} {local:%b %Y %H:%M} {local:%Z}"
