"""An escalation's undelivered routes, retried on their own as deadline rows.

An escalation that reached some people and not others (Slack answering 503 while SMS and email
went out) commits what was delivered, and leaves the rest to an `ESCALATION_RETRY` row: the
same level and step, the route keys still owed (`retry_routes`), due after the backoff. Being a
row, the retry survives a restart, is claimed once across replicas, is cancelled with the
ladder when contact is recorded, and is re-checked under the incident's lock like any firing.

A later level sent to a route supersedes that route's retry: the later message says more and is
newer, so the person gets one escalation, not the stale one as well. The later level's
`EscalationSent` lists what it superseded; a route no longer in the step (the duty manager
changed at a handover) is recorded as such and dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from bot.domain.deadlines import Deadline, DeadlineKind, retry_backoff
from bot.ports import UnitOfWork
from bot.usecases.firing.outcomes import Outcome, failed
from bot.usecases.firing.recipients import KEY

RETRY_ROUTES = "retry_routes"  # the route keys a retry row still owes
RETRIES = "retries"  # how many times these routes have failed so far, for the backoff
ESCALATION_ID = "escalation_id"  # the ladder row the retry belongs to
# A ladder row's bookkeeping that a retry must not copy: a retry never adds the next level.
_NOT_COPIED = frozenset({"first_due_at", "cancelled_at", "repeat_after", RETRY_ROUTES, RETRIES})
NO_LONGER = "no longer a recipient of this step (the rota or the configuration changed)"


def routes_of(deadline: Deadline) -> list[str]:
    return [str(k) for k in deadline.payload.get(RETRY_ROUTES) or ()]


def count_of(deadline: Deadline) -> int:
    return int(deadline.payload.get(RETRIES) or 0)


def undelivered(outcomes: Sequence[Outcome]) -> list[str]:
    """The keys of the routes that failed and could succeed on another try, in order."""
    return list(dict.fromkeys(str(o[KEY]) for o in outcomes if not o["ok"] and o.get(KEY)))


def gone(wanted: Collection[str], keys: Collection[str]) -> list[Outcome]:
    """Routes owed by a retry that this step no longer has: recorded once, then dropped."""
    return [
        {**failed(key.split(":", 1)[0], "", key, NO_LONGER), KEY: ""}
        for key in wanted
        if key not in keys
    ]


async def retry_undelivered(
    uow: UnitOfWork,
    deadline: Deadline,
    outcomes: Sequence[Outcome],
    now: datetime,
    new_id: Callable[[], str],
) -> Deadline | None:
    """Add the retry row for what this firing could not deliver, if anything."""
    keys = undelivered(outcomes)
    if not keys:
        return None
    # every failure of these routes so far counts: this firing's attempts, earlier retries'
    failures = count_of(deadline) + max(deadline.attempts, 1)
    payload: dict[str, Any] = {k: v for k, v in deadline.payload.items() if k not in _NOT_COPIED}
    payload.update(
        {
            RETRY_ROUTES: keys,
            RETRIES: failures,
            ESCALATION_ID: deadline.payload.get(ESCALATION_ID, deadline.id),
        }
    )
    retry = Deadline(
        id=new_id(),
        incident_id=deadline.incident_id,
        kind=DeadlineKind.ESCALATION_RETRY,
        due_at=now + retry_backoff(failures),
        level=deadline.level,
        payload=payload,
        created_at=now,
    )
    await uow.deadlines.add(retry)
    return retry


async def supersede(
    uow: UnitOfWork, deadline: Deadline, covered: Collection[str], now: datetime
) -> list[dict[str, Any]]:
    """Take the routes this level covers out of earlier levels' pending retries (a retry left
    with nothing is cancelled); what was taken, by level and route key. Runs under the
    incident's lock, which every firing of the incident holds, so no retry is mid-flight."""
    superseded: list[dict[str, Any]] = []
    cover = set(covered)
    retrying = await uow.deadlines.pending_of_kind(
        deadline.incident_id, DeadlineKind.ESCALATION_RETRY
    )
    for pending in retrying:
        if pending.level >= deadline.level:
            continue
        owed = routes_of(pending)
        taken = [k for k in owed if k in cover]
        if not taken:
            continue
        superseded += [{"level": pending.level, KEY: k} for k in taken]
        left = [k for k in owed if k not in cover]
        if left:
            await uow.deadlines.replace_payload(pending, {**pending.payload, RETRY_ROUTES: left})
        else:
            await uow.deadlines.mark_cancelled(pending, now)
    return superseded
