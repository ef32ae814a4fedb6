"""When the retention purge runs: once a day at `daily_at` (config/retention.yml, London time).
Each day's run is one deadline row whose id names its London date, so however many replicas
schedule it, one row exists, and the claim fires it once; the run that succeeds schedules the
next one (bot.usecases.firing.retention_purge).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.deadline_payloads import RetentionPurgeDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.policy.retention import Retention

LONDON = ZoneInfo("Europe/London")  # config/retention.yml's daily_at is London time
ID_PREFIX = "retention-purge-"


def run_time(day: date, retention: Retention) -> datetime:
    """When the purge of `day` (a London date) is due, in UTC."""
    return datetime.combine(day, retention.daily_at, tzinfo=LONDON).astimezone(UTC)


def next_daily(retention: Retention, now: datetime) -> datetime:
    """The next `daily_at` in London time strictly after `now`."""
    return run_time(_next_day(retention, now), retention)


def _next_day(retention: Retention, now: datetime) -> date:
    day = now.astimezone(LONDON).date()
    while run_time(day, retention) <= now:
        day += timedelta(days=1)
    return day


def purge_deadline(day: date, retention: Retention, now: datetime) -> Deadline:
    return Deadline(
        id=f"{ID_PREFIX}{day:%Y-%m-%d}",
        incident_id="",  # the service's own job: no incident
        kind=DeadlineKind.RETENTION_PURGE,
        due_at=run_time(day, retention),
        payload=RetentionPurgeDue(day=f"{day:%Y-%m-%d}").data(),
        created_at=now,
    )


def next_purge(retention: Retention, now: datetime) -> Deadline:
    """The first run due after `now`: today's if its time has not come, else tomorrow's."""
    return purge_deadline(_next_day(retention, now), retention, now)
