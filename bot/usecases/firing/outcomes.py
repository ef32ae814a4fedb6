"""How a firing's messages turn into outcomes on the timeline, and when a firing retries.

Adapters report failures as values (`ChatDelivery`, `Delivery`); `attempt_chat` and
`attempt_notify` also turn an adapter's bug into one, so one broken route never stops the
others. Each outcome names its route, its recipient and, when it failed, what the service said.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Any

from bot.domain.deadlines import Deadline
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.ports import UnitOfWork
from bot.ports.chat import ChatDelivery
from bot.ports.notify import Delivery, Route

if TYPE_CHECKING:
    from bot.usecases.firing import FiringDeps

log = logging.getLogger(__name__)

Outcome = dict[str, Any]
# The follow-up and assessors' reminders give up after this many attempts: with the scheduler's
# backoff (15 s, 30 s, 1 min, 2 min) that is about 4 minutes of trying. Escalations never do.
MAX_ATTEMPTS = 5


class Undelivered(RuntimeError):
    """No route of a firing got through; raised so the transaction rolls back and it retries."""


async def attempt_chat(call: Awaitable[ChatDelivery], route: str) -> ChatDelivery:
    try:
        return await call
    except Exception as exc:
        log.warning("chat route %s raised %s", route, type(exc).__name__, exc_info=True)
        return ChatDelivery(False, route, f"unexpected {type(exc).__name__}")


async def attempt_notify(call: Awaitable[Delivery], route: Route, to: str) -> Delivery:
    try:
        return await call
    except Exception as exc:
        log.warning("notify %s raised %s", route, type(exc).__name__, exc_info=True)
        return Delivery(False, route, to, error=f"unexpected {type(exc).__name__}", attempts=0)


def outcome(kind: str, recipient: str, delivery: ChatDelivery | Delivery) -> Outcome:
    return {
        "route": delivery.route,
        "recipient_kind": kind,
        "recipient": recipient,
        "ok": delivery.ok,
        "error": delivery.error,
    }


def failed(kind: str, recipient: str, route: str, error: str) -> Outcome:
    return {
        "route": route,
        "recipient_kind": kind,
        "recipient": recipient,
        "ok": False,
        "error": error,
    }


def gave_up(
    deadline: Deadline, outcomes: Sequence[Outcome], *, give_up: bool | None = None
) -> bool:
    """Raise Undelivered while nothing got through and it is not yet time to `give_up`;
    True once given up. The caller decides when (never, for an escalation); by default, once
    the deadline has had MAX_ATTEMPTS."""
    if give_up is None:
        give_up = deadline.attempts >= MAX_ATTEMPTS
    if not outcomes or any(o["ok"] for o in outcomes):
        return False
    if not give_up:
        raise Undelivered(
            f"deadline {deadline.id}: none of {len(outcomes)} routes delivered "
            f"(attempt {deadline.attempts})"
        )
    return True


async def locked_in(
    deadline: Deadline, uow: UnitOfWork, deps: FiringDeps, state: State
) -> Incident | None:
    """The incident, locked, if it is still in `state`; otherwise the deadline is cancelled."""
    incident = await uow.incidents.get_for_update(deadline.incident_id)
    if incident is None or incident.state is not state:
        await uow.deadlines.mark_cancelled(deadline, deps.ctx.clock.now())
        return None
    return incident
