"""Times as people read them in messages: UTC and London, both named."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def clock_time(at: datetime) -> str:
    """'09:30 UTC (10:30 BST, London)': both clocks, named, so nobody converts in their head."""
    utc, local = at.astimezone(UTC), at.astimezone(LONDON)
    return f"{utc:%H:%M} UTC ({local:%H:%M} {local:%Z}, London)"
