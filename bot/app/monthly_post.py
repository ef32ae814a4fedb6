"""Keeps the next monthly figures post scheduled: a replica starting up inserts the next
post's row unless it exists (its id names its month, so replicas starting together insert it
once), and each post, when it fires, schedules the one after (bot.usecases.firing
.monthly_figures). A deployment that starts after this month's post time begins with next
month's."""

from __future__ import annotations

from bot.domain.monthly_post import next_post
from bot.ports import UnitOfWorkFactory
from bot.usecases.context import CoreContext


async def schedule_monthly_post(uows: UnitOfWorkFactory, ctx: CoreContext) -> bool:
    """True if this call scheduled it."""
    followups = ctx.policy.followups
    deadline = next_post(ctx.clock.now(), followups.bank_holidays, followups.timezone)
    async with uows() as uow:
        added = await uow.deadlines.add_if_absent(deadline)
        await uow.commit()
    return added
