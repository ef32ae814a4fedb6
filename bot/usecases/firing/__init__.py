"""What happens when a deadline row falls due, one handler per deadline kind.

`fire` is the DeadlineScheduler's handler (bound to its dependencies by the composition root):
it runs inside the transaction that claimed the deadline, so a handler's re-check of the
incident, its messages' outcomes on the timeline and `state = 'fired'` commit together. A
handler that raises rolls all of that back and the deadline is retried at the next sweep.

Each handler module exports `HANDLERS`; to add one, import the module below and add it to
`_MODULES`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.domain.deadlines import Deadline, DeadlineKind
from bot.ports import UnitOfWork
from bot.ports.chat import ChatPort, PlatformChats
from bot.ports.notify import Notifier
from bot.usecases.context import CoreContext
from bot.usecases.firing import (
    announce,
    contact,
    followups,
    monthly_figures,
    report_delivery,
    retention_purge,
    reviews,
)
from bot.usecases.firing.monthly_figures import MonthlyFiguresPort
from bot.usecases.firing.retention_purge import PurgePort

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FiringDeps:
    ctx: CoreContext
    chat: ChatPort
    notifier: Notifier
    figures: MonthlyFiguresPort | None = None  # the monthly post's reader and poster
    purge: PurgePort | None = None  # the daily retention purge, in the firing's transaction
    # each platform's own port, for routes to one platform (a Teams provider's page); None:
    # `chat` alone, which is Slack's
    chats: PlatformChats | None = None


FireFn = Callable[[Deadline, UnitOfWork, FiringDeps], Awaitable[None]]

_MODULES = (
    announce,
    contact,
    reviews,
    followups,
    report_delivery,
    monthly_figures,
    retention_purge,
)
HANDLERS: dict[DeadlineKind, FireFn] = {
    kind: handler for module in _MODULES for kind, handler in module.HANDLERS.items()
}


async def fire(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    handler = HANDLERS.get(deadline.kind)
    if handler is None:
        # Retrying cannot help a kind nobody handles; cancelling keeps it visible in the table.
        log.warning(
            "no handler for deadline %s of kind %s; cancelled", deadline.id, deadline.kind.value
        )
        await uow.deadlines.mark_cancelled(deadline, deps.ctx.clock.now())
        return
    await handler(deadline, uow, deps)
