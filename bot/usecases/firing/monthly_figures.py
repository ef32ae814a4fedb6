"""MHCLG's monthly figures, posted to the triage channel on the first working day of the month.

A service-wide deadline row (no incident) per month: the figures of the month before are
computed from the timelines (bot.reporting.figures, as `python -m bot figures` does, read in a
fixed number of queries by bot.reporting.month_records) and posted
as the figures PDF's charts. A post nobody received raises, so the scheduler retries it with
its backoff; a delivered one schedules next month's row in the same transaction (by its
month's id, so a replica that scheduled it already changes nothing).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Protocol

from bot.domain.deadline_payloads import MonthlyFiguresDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.monthly_post import next_month, post_deadline
from bot.ports import UnitOfWork
from bot.ports.chat import ChatDelivery
from bot.reporting.figures import MonthlyFigures, monthly_figures
from bot.reporting.month_records import month_records
from bot.usecases.firing.outcomes import Undelivered

if TYPE_CHECKING:
    from bot.usecases.firing import FireFn, FiringDeps

log = logging.getLogger(__name__)


class MonthlyFiguresPort(Protocol):
    async def post(self, figures: MonthlyFigures, deadline_minutes: float) -> ChatDelivery:
        """Post the figures' charts to MHCLG's triage channel."""
        ...


def figures_month(deadline: Deadline) -> date:
    raw = str(MonthlyFiguresDue.of(deadline).month)
    year, _, month = raw.partition("-")
    return date(int(year), int(month), 1)


async def fire_monthly_figures(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    ctx = deps.ctx
    month = figures_month(deadline)
    if deps.figures is None:
        log.warning("monthly figures for %s not posted: no chat platform is configured", month)
    else:
        figures = monthly_figures(
            month,
            await month_records(uow, ctx.policy, month),
            now=ctx.clock.now(),
            questionnaire=ctx.policy.questionnaire,
            provider_names={p.id: p.name for p in ctx.policy.providers.values()},
        )
        minutes = ctx.policy.ladder.contact_deadline.total_seconds() / 60
        try:
            delivery = await deps.figures.post(figures, minutes)
        except Exception as exc:  # an adapter's bug is a failed post, retried like one
            log.warning("monthly figures post raised %s", type(exc).__name__, exc_info=True)
            delivery = ChatDelivery(False, "chat:figures", f"unexpected {type(exc).__name__}")
        if not delivery.ok:
            raise Undelivered(f"monthly figures for {month:%Y-%m}: {delivery.error}")
        log.info("monthly figures for %s posted (%s)", f"{month:%Y-%m}", delivery.route)
    followups = ctx.policy.followups
    following = next_month(next_month(month))
    await uow.deadlines.add_if_absent(
        post_deadline(following, followups.bank_holidays, followups.timezone, ctx.clock.now())
    )


HANDLERS: dict[DeadlineKind, FireFn] = {DeadlineKind.MONTHLY_FIGURES: fire_monthly_figures}
