"""When MHCLG's monthly figures are posted: 09:00 (service time) on the first working day of
each month, with the previous month's figures. Each post is one deadline row whose id names its
month, so however many replicas schedule it, one row exists, and the claim fires it once.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta, tzinfo

from bot.domain.deadline_payloads import MonthlyFiguresDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.working_days import is_working_day

POST_AT = time(9, 0)
ID_PREFIX = "monthly-figures-"


def first_working_day(month: date, holidays: Collection[date]) -> date:
    day = month.replace(day=1)
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return day


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def post_time(month: date, holidays: Collection[date], tz: tzinfo) -> datetime:
    """When the post of `month` (which carries the month before it) is due."""
    return datetime.combine(first_working_day(month, holidays), POST_AT, tzinfo=tz)


def post_deadline(month: date, holidays: Collection[date], tz: tzinfo, now: datetime) -> Deadline:
    month = month.replace(day=1)
    figures_of = previous_month(month)
    return Deadline(
        id=f"{ID_PREFIX}{month:%Y-%m}",
        incident_id="",  # the service's own job: no incident
        kind=DeadlineKind.MONTHLY_FIGURES,
        due_at=post_time(month, holidays, tz),
        payload=MonthlyFiguresDue(month=f"{figures_of:%Y-%m}").data(),
        created_at=now,
    )


def next_post(now: datetime, holidays: Collection[date], tz: tzinfo) -> Deadline:
    """The first post due after `now`: this month's if its time has not come, else next
    month's."""
    month = now.astimezone(tz).date().replace(day=1)
    if post_time(month, holidays, tz) <= now:
        month = next_month(month)
    return post_deadline(month, holidays, tz, now)
