"""This month's headline numbers on MHCLG's App Home: referrals, contact deadlines met and
missed, the median time to contact. The same computation as the monthly figures
(bot.reporting.figures), over this month so far, so the Home tab and the month's post agree.

Only MHCLG sees them: they are MHCLG's figures about every council and both providers.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bot.domain.actors import Actor, OrgKind
from bot.domain.uk_time import LONDON
from bot.ports import UnitOfWork
from bot.reporting.figures import monthly_figures
from bot.reporting.month_records import month_records
from bot.usecases.context import CoreContext


@dataclass(frozen=True)
class MonthHeadline:
    month: str  # "December 2026"
    incidents: int
    met: int
    missed: int
    median_minutes: float | None  # over every provider's contacts this month


async def month_headline(uow: UnitOfWork, ctx: CoreContext, viewer: Actor) -> MonthHeadline | None:
    if viewer.org_kind is not OrgKind.MHCLG:
        return None
    now = ctx.clock.now()
    month = now.astimezone(LONDON).date().replace(day=1)
    async with uow:
        records = await month_records(uow, ctx.policy, month)
    figures = monthly_figures(
        month,
        records,
        now=now,
        questionnaire=ctx.policy.questionnaire,
        provider_names={p.id: p.name for p in ctx.policy.providers.values()},
    )
    contacts = [m for p in figures.providers for m in p.minutes_to_contact]
    return MonthHeadline(
        month=f"{month:%B %Y}",
        incidents=figures.incidents,
        met=figures.met,
        missed=figures.missed,
        median_minutes=round(statistics.median(contacts), 1) if contacts else None,
    )
