"""The incidents a month's figures read, with their timelines, in a fixed number of queries.

An incident counts in the month its referral was received, in London time (bot.reporting
.figures decides exactly); here the incidents opened a day either side of the month are read,
which covers every offset of London from UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.domain.monthly_post import next_month
from bot.domain.uk_time import LONDON
from bot.policy.model import Council, Policy
from bot.ports import UnitOfWork
from bot.reporting.figures import IncidentRecord

MARGIN = timedelta(days=1)


def month_span(month: date) -> tuple[datetime, datetime]:
    start = datetime.combine(month.replace(day=1), time(), tzinfo=LONDON)
    end = datetime.combine(next_month(month), time(), tzinfo=LONDON)
    return start - MARGIN, end + MARGIN


async def month_records(uow: UnitOfWork, policy: Policy, month: date) -> list[IncidentRecord]:
    """Call inside `async with uow`."""
    start, end = month_span(month)
    records = []
    for incident, events in await uow.timeline.opened_between(start, end):
        council = policy.councils.get(incident.council_id) or Council(
            incident.council_id, incident.council_id, "", ""
        )
        records.append(IncidentRecord(incident, council, events))
    return records
