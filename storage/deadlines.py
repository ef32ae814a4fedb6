"""Deadline rows: every state change is a conditional update, so "exactly once" holds in the
database rather than in any one process's memory.

Claiming locks both the deadline and its incident without waiting (`FOR UPDATE ... SKIP LOCKED`
on PostgreSQL): a firing never queues behind "contact made", so the two can never deadlock, and
whichever commits first wins. SQLite ignores row locks; there the claim is the transaction's
first write, so SQLite's single writer lock serialises firings and cancellations instead.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Table,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.deadline_payloads import cancelled, first_due
from bot.domain.deadlines import URGENCY, URGENT_KINDS, Deadline, DeadlineKind, DeadlineState
from storage.database import dialect_of
from storage.models import DeadlineRow, IncidentRow

_TABLE = cast(Table, DeadlineRow.__table__)
# The tables, not the mapped classes: a statement naming a mapped class goes through the ORM's
# compile step and gets a fresh annotated copy, whose cache key is built again at every
# execution (measured: once per claim, about a tenth of a millisecond each).
_INCIDENTS = cast(Table, IncidentRow.__table__)
_PENDING = DeadlineState.PENDING.value
SERVICE = ""  # the incident_id of a service-wide deadline in the domain (NULL in the table)


class DeadlineNotPending(RuntimeError):
    """The deadline was settled (fired or cancelled) before this change could apply."""


def _from_row(row: RowMapping) -> Deadline:
    return Deadline(
        id=row["id"],
        incident_id=row["incident_id"] or SERVICE,
        kind=DeadlineKind(row["kind"]),
        due_at=row["due_at"],
        level=row["level"],
        state=DeadlineState(row["state"]),
        payload=dict(row["payload"] or {}),
        created_at=row["created_at"],
        fired_at=row["fired_at"],
        claimed_by=row["claimed_by"],
        attempts=row["attempts"],
    )


def _values(deadline: Deadline) -> dict[str, Any]:
    if deadline.created_at is None:
        raise ValueError(f"deadline {deadline.id} has no created_at; set it to the clock's now")
    return {
        "id": deadline.id,
        "incident_id": deadline.incident_id or None,
        "kind": deadline.kind.value,
        "level": deadline.level,
        "due_at": deadline.due_at,
        "state": deadline.state.value,
        "payload": deadline.payload,
        "created_at": deadline.created_at,
        "fired_at": deadline.fired_at,
        "claimed_by": deadline.claimed_by,
        "attempts": deadline.attempts,
    }


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return result.rowcount


# the domain's URGENCY in the column's values; every other kind ranks after them
_URGENT = {kind.value: rank for kind, rank in URGENCY.items()}


def _priority(kind: Any) -> Any:
    return case(_URGENT, value=kind, else_=2)


def _held_back(table: Any) -> Any:
    """While people wait (`b_others_before`): only the urgent kinds, and what fell due before."""
    urgent = table.c.kind.in_([k.value for k in URGENT_KINDS])
    return or_(urgent, table.c.due_at <= bindparam("b_others_before"))


def _rank(table: Any) -> Any:
    """The order deadlines are claimed in: the urgent kinds first, then the earliest due."""
    return tuple_(_priority(table.c.kind), table.c.due_at, table.c.id)


@functools.cache
def _claim_statement(
    excluding: bool,
    only: bool,
    holding_back: bool,
    of_incident: bool = False,
    row_locks: bool = True,
) -> Any:
    """The claim, built once per shape with bound parameters: the loops run it for every
    firing, and building it anew (alias, join, ordering, locks) cost more than running it.

    A row is claimed only if no row of its incident ranks before it, due and pending (a
    failed one, in `b_exclude`, excepted), read without a lock: an earlier row that is held
    (another claim locked it and skipped its incident, or a command holds the incident for a
    moment) blocks the later ones instead of being stepped over, so an incident's ladder goes
    level by level on every replica. `of_incident`: the most urgent row of `b_incident`.
    Without `row_locks` (SQLite: no row is ever skipped, the claims take turns at the writer)
    the order alone gives that, and SQLite's planner, without statistics, ran the guard as a
    scan of every due row for each candidate: the burst's escalations went seconds late. On
    PostgreSQL an incident's claim reads its rows by the (incident_id, state) index."""
    found = _TABLE.alias("candidate")
    earlier = _TABLE.alias("earlier")
    blocked = select(earlier.c.id).where(
        earlier.c.incident_id == found.c.incident_id,
        earlier.c.state == _PENDING,
        earlier.c.due_at <= bindparam("b_now"),
        _rank(earlier) < _rank(found),
    )
    if excluding:
        blocked = blocked.where(earlier.c.id.not_in(bindparam("b_exclude", expanding=True)))
    candidate = (
        select(found.c.id)
        .join(_INCIDENTS, _INCIDENTS.c.id == found.c.incident_id)
        .where(found.c.state == _PENDING, found.c.due_at <= bindparam("b_now"))
        .order_by(*_rank(found).clauses)
        .limit(1)
        .with_for_update(skip_locked=True, of=[found, _INCIDENTS])
    )
    if row_locks:
        candidate = candidate.where(~blocked.exists())
    if excluding:
        candidate = candidate.where(found.c.id.not_in(bindparam("b_exclude", expanding=True)))
    if only:
        candidate = candidate.where(found.c.id == bindparam("b_only"))
    if of_incident:
        candidate = candidate.where(found.c.incident_id == bindparam("b_incident"))
    if holding_back:
        candidate = candidate.where(_held_back(found))
    return (
        update(_TABLE)
        .where(_TABLE.c.id == candidate.scalar_subquery(), _TABLE.c.state == _PENDING)
        .values(claimed_by=bindparam("b_worker"), attempts=_TABLE.c.attempts + 1)
        .returning(*_TABLE.c)
    )


@functools.cache
def _claim_service_statement(excluding: bool, only: bool) -> Any:
    """The claim of a service-wide deadline (no incident, so no incident lock to take): tried
    only when no incident's deadline is claimable, so it never delays a page or the ladder."""
    found = _TABLE.alias("candidate")
    candidate = (
        select(found.c.id)
        .where(
            found.c.incident_id.is_(None),
            found.c.state == _PENDING,
            found.c.due_at <= bindparam("b_now"),
        )
        .order_by(found.c.due_at, found.c.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=found)
    )
    if excluding:
        candidate = candidate.where(found.c.id.not_in(bindparam("b_exclude", expanding=True)))
    if only:
        candidate = candidate.where(found.c.id == bindparam("b_only"))
    return (
        update(_TABLE)
        .where(_TABLE.c.id == candidate.scalar_subquery(), _TABLE.c.state == _PENDING)
        .values(claimed_by=bindparam("b_worker"), attempts=_TABLE.c.attempts + 1)
        .returning(*_TABLE.c)
    )


@functools.cache
def _due_statement(excluding: bool, holding_back: bool) -> Any:
    """What a pass will try to claim, in the claim's order, read without a lock or a
    transaction: the pass then claims what it lists (by incident on PostgreSQL, by id on
    SQLite), so it ends when its list is done instead of with one empty claim (a transaction
    of four round trips) per loop."""
    stmt = (
        select(_TABLE.c.id, _TABLE.c.incident_id)
        .where(_TABLE.c.state == _PENDING, _TABLE.c.due_at <= bindparam("b_now"))
        # the service's own jobs last: they are claimed when no incident's row is claimable
        .order_by(_TABLE.c.incident_id.is_(None), *_rank(_TABLE).clauses)
        .limit(bindparam("b_limit"))
    )
    if excluding:
        stmt = stmt.where(_TABLE.c.id.not_in(bindparam("b_exclude", expanding=True)))
    if holding_back:  # as the claim holds back: the service's own jobs wait altogether
        stmt = stmt.where(_TABLE.c.incident_id.is_not(None), _held_back(_TABLE))
    return stmt


# Built once: every activation adds its ladder, and every scheduler pass asks when to wake.
_INSERT = insert(_TABLE)
_NEXT_DUE = (
    select(_TABLE.c.due_at).where(_TABLE.c.state == _PENDING).order_by(_TABLE.c.due_at).limit(1)
)


@functools.cache
def _cancel_statement(of_kinds: bool) -> Any:
    """An incident's pending deadlines (`b_i`) cancelled, of the kinds in `b_kinds` if asked:
    contact made and every change of phase run it."""
    stmt = update(_TABLE).where(
        _TABLE.c.incident_id == bindparam("b_i"), _TABLE.c.state == _PENDING
    )
    if of_kinds:
        stmt = stmt.where(_TABLE.c.kind.in_(bindparam("b_kinds", expanding=True)))
    return stmt.values(state=DeadlineState.CANCELLED.value)


@functools.cache
def _pending_statement(of_kind: bool) -> Any:
    """An incident's pending deadlines (`b_i`), of one kind (`b_kind`) if asked: built once, as
    every card refresh and every escalation reads them."""
    stmt = select(_TABLE).where(
        _TABLE.c.incident_id == bindparam("b_i"), _TABLE.c.state == _PENDING
    )
    if of_kind:
        stmt = stmt.where(_TABLE.c.kind == bindparam("b_kind"))
    return stmt.order_by(_TABLE.c.due_at, _TABLE.c.id)


@functools.cache
def _mark_fired_statement() -> Any:
    return (
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.state == _PENDING)
        .values(state=DeadlineState.FIRED.value, fired_at=bindparam("b_fired_at"))
    )


class SqlDeadlineRepository:
    def __init__(
        self, session: AsyncSession, none_pending: set[tuple[str, DeadlineKind]] | None = None
    ) -> None:
        self._session = session
        # (incident, kind) this transaction knows has no pending row: its firing read that under
        # the incident's lock (SqlIncidentRepository.get_for_update), and the rows it adds
        # itself are taken out again
        self._none_pending = none_pending if none_pending is not None else set()

    async def add(self, deadline: Deadline) -> None:
        await self.add_all([deadline])

    async def add_all(self, deadlines: Iterable[Deadline]) -> None:
        rows = []
        for deadline in deadlines:
            self._none_pending.discard((deadline.incident_id, deadline.kind))
            rows.append(_values(deadline))
        if rows:
            await self._session.execute(_INSERT, rows)

    async def cancel_pending(
        self, incident_id: str, kinds: Collection[DeadlineKind] | None = None
    ) -> int:
        """On PostgreSQL this waits for a firing that holds a claim, then skips what it fired."""
        params: dict[str, Any] = {"b_i": incident_id}
        if kinds is not None:
            params["b_kinds"] = [k.value for k in kinds]
        result = await self._session.execute(_cancel_statement(kinds is not None), params)
        return _rowcount(result)

    async def claim_next_due(
        self,
        now: datetime,
        worker_id: str,
        *,
        exclude: Collection[str] = (),
        only: str | None = None,
        others_due_before: datetime | None = None,
        service: bool | None = None,
        incident: str | None = None,
    ) -> Deadline | None:
        """Claim the earliest due deadline whose row and incident nobody else holds.

        Must be the first statement of the caller's transaction (see the module docstring). The
        claim is not a state change: if the transaction rolls back the deadline is pending again,
        so a crash mid-firing loses nothing. `exclude` lets one sweep step past deadlines whose
        handler just failed instead of retrying them in a tight loop; `only` claims that one
        deadline or nothing, under the same conditions; `others_due_before` holds back all
        but the urgent kinds (pages, the contact ladder) until they are due by then;
        `service` says, when the caller knows (`due`), whether `only` is a service-wide
        deadline (True) or an incident's (False), so the claim that cannot match is not sent;
        `incident` claims that incident's most urgent due deadline, or nothing.
        """
        excluded = list(exclude)  # the caller's set may grow while this awaits (other loops)
        stmt = _claim_statement(
            bool(excluded),
            only is not None,
            others_due_before is not None,
            incident is not None,
            dialect_of(self._session) == "postgresql",
        )
        params: dict[str, Any] = {"b_now": now, "b_worker": worker_id}
        if incident is not None:
            params["b_incident"] = incident
            service = False
        if excluded:
            params["b_exclude"] = excluded
        if only is not None:
            params["b_only"] = only
        if others_due_before is not None:
            params["b_others_before"] = others_due_before
        row = None
        if service is not True:
            row = (await self._session.execute(stmt, dict(params))).mappings().first()
        if row is None and others_due_before is None and service is not False:
            # nothing of an incident is claimable: the service's own jobs (held back like any
            # non-urgent kind while people are waiting)
            jobs = _claim_service_statement(bool(excluded), only is not None)
            row = (await self._session.execute(jobs, dict(params))).mappings().first()
        return _from_row(row) if row else None

    async def add_if_absent(self, deadline: Deadline) -> bool:
        """Insert unless a row with this id exists (another replica scheduled it first); True
        if this call inserted it. Service-wide jobs take an id per occurrence, so this is what
        makes "exactly once" hold for scheduling them, not only for firing them."""
        dialect = dialect_of(self._session)
        insert_of = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self._none_pending.discard((deadline.incident_id, deadline.kind))
        stmt = (
            insert_of(_TABLE)
            .values(_values(deadline))
            .on_conflict_do_nothing(index_elements=[_TABLE.c.id])
            .returning(_TABLE.c.id)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def mark_fired(self, deadline: Deadline, now: datetime) -> None:
        params = {"b_id": deadline.id, "b_fired_at": now}
        result = await self._session.execute(_mark_fired_statement(), params)
        if _rowcount(result) != 1:
            raise DeadlineNotPending(f"deadline {deadline.id} is no longer pending")
        deadline.state = DeadlineState.FIRED
        deadline.fired_at = now

    async def mark_cancelled(self, deadline: Deadline, now: datetime) -> bool:
        """A handler's decision not to send; the time it decided is kept as evidence."""
        payload = cancelled(deadline.payload, now)
        result = await self._session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == deadline.id, _TABLE.c.state == _PENDING)
            .values(state=DeadlineState.CANCELLED.value, payload=payload)
        )
        if _rowcount(result) != 1:
            return False
        deadline.state = DeadlineState.CANCELLED
        deadline.payload = payload
        return True

    async def replace_payload(self, deadline: Deadline, payload: dict[str, Any]) -> bool:
        result = await self._session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == deadline.id, _TABLE.c.state == _PENDING)
            .values(payload=payload)
        )
        if _rowcount(result) != 1:
            return False
        deadline.payload = payload
        return True

    async def record_failed_attempt(
        self, deadline_id: str, worker_id: str, now: datetime, backoff: timedelta
    ) -> None:
        """Run in its own transaction after a failed firing rolled back: `attempts` grows, and
        the deadline becomes due again only after `backoff`, so the sweep does not retry it
        every few seconds during an outage. The first time it moves, the time it was meant to
        fire is kept in its payload as `first_due_at`, as evidence of how late it went out."""
        row = (
            await self._session.execute(
                select(_TABLE.c.due_at, _TABLE.c.payload).where(
                    _TABLE.c.id == deadline_id, _TABLE.c.state == _PENDING
                )
            )
        ).first()
        if row is None:
            return
        payload = first_due(row.payload or {}, row.due_at)
        await self._session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == deadline_id, _TABLE.c.state == _PENDING)
            .values(
                claimed_by=worker_id,
                attempts=_TABLE.c.attempts + 1,
                due_at=now + backoff,
                payload=payload,
            )
        )

    async def get(self, deadline_id: str) -> Deadline | None:
        rows = await self._session.execute(select(_TABLE).where(_TABLE.c.id == deadline_id))
        row = rows.mappings().first()
        return _from_row(row) if row else None

    async def pending_for(self, incident_id: str) -> list[Deadline]:
        rows = await self._session.execute(_pending_statement(False), {"b_i": incident_id})
        return [_from_row(r) for r in rows.mappings()]

    async def pending_of_kind(self, incident_id: str, kind: DeadlineKind) -> list[Deadline]:
        if (incident_id, kind) in self._none_pending:
            return []  # read under the incident's lock in this transaction: none
        params = {"b_i": incident_id, "b_kind": kind.value}
        rows = await self._session.execute(_pending_statement(True), params)
        return [_from_row(r) for r in rows.mappings()]

    async def pending_for_incidents(
        self, incident_ids: Collection[str]
    ) -> dict[str, list[Deadline]]:
        """Every listed incident's pending deadlines in one query (App Home lists them all)."""
        found: dict[str, list[Deadline]] = {i: [] for i in incident_ids}
        if not found:
            return found
        rows = await self._session.execute(
            select(_TABLE)
            .where(_TABLE.c.incident_id.in_(list(found)), _TABLE.c.state == _PENDING)
            .order_by(_TABLE.c.due_at, _TABLE.c.id)
        )
        for row in rows.mappings():
            found[row["incident_id"]].append(_from_row(row))
        return found

    async def due(
        self,
        now: datetime,
        limit: int,
        *,
        exclude: Collection[str] = (),
        others_due_before: datetime | None = None,
    ) -> list[tuple[str, str]]:
        """The ids of the deadlines due by `now`, most urgent first, each with its incident's
        id (SERVICE for a service-wide one); the same filters as `claim_next_due`, without its
        locks: a row listed here may be gone or held by the time it is claimed, and the claim
        decides."""
        excluded = list(exclude)
        stmt = _due_statement(bool(excluded), others_due_before is not None)
        params: dict[str, Any] = {"b_now": now, "b_limit": limit}
        if excluded:
            params["b_exclude"] = excluded
        if others_due_before is not None:
            params["b_others_before"] = others_due_before
        rows = (await self._session.execute(stmt, params)).all()
        return [(row[0], row[1] or SERVICE) for row in rows]

    async def next_due_at(self) -> datetime | None:
        due: datetime | None = await self._session.scalar(_NEXT_DUE)
        return due

    async def count(self, state: DeadlineState | None = None) -> int:
        stmt = select(func.count()).select_from(_TABLE)
        if state is not None:
            stmt = stmt.where(_TABLE.c.state == state.value)
        return int(await self._session.scalar(stmt) or 0)
