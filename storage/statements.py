"""The statements every firing and every command runs, built once with bound parameters.

Constructing a statement (its clauses, coercions and cache key) costs the event loop more than
PostgreSQL spends running one this small; under a burst of activations they ran tens of
thousands of times a minute.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, func, insert, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.domain.deadlines import DeadlineKind, DeadlineState
from storage.models import DeadlineRow, IncidentRow, TimelineEventRow, TimelineHeadRow

_INCIDENTS = cast(Table, IncidentRow.__table__)
_EVENTS = cast(Table, TimelineEventRow.__table__)
_HEADS = cast(Table, TimelineHeadRow.__table__)
_DEADLINES = cast(Table, DeadlineRow.__table__)


@functools.cache
def _update_incident_if_version(columns: tuple[str, ...]) -> Any:
    return (
        update(_INCIDENTS)
        .where(_INCIDENTS.c.id == bindparam("b_id"), _INCIDENTS.c.version == bindparam("b_version"))
        .values(version=bindparam("b_new_version"), **{c: bindparam(f"b_{c}") for c in columns})
    )


def update_incident_if_version(
    incident_id: str, version: int, values: dict[str, object]
) -> tuple[Any, dict[str, object]]:
    """The optimistic update and its parameters: it matches no row if someone else moved the
    version on. One statement per set of columns, which is one: storage.mapping's values."""
    params: dict[str, object] = {f"b_{k}": v for k, v in values.items()}
    params |= {"b_id": incident_id, "b_version": version, "b_new_version": version + 1}
    return _update_incident_if_version(tuple(values)), params


@functools.cache
def incident_for_update() -> Any:
    """The incident's columns, locked: a Core row (storage.mapping reads it by attribute), not
    an ORM object the session would track and compare at every flush."""
    return select(_INCIDENTS).where(_INCIDENTS.c.id == bindparam("b_id")).with_for_update()


@functools.cache
def incident_by_id() -> Any:
    return select(_INCIDENTS).where(_INCIDENTS.c.id == bindparam("b_id"))


@functools.cache
def head_of() -> Any:
    return select(_HEADS).where(_HEADS.c.incident_id == bindparam("b_id"))


@functools.cache
def insert_events() -> Any:
    """The timeline's rows as one Core executemany: no ORM bulk-insert bookkeeping."""
    return insert(_EVENTS)


RETRIES_PENDING = "retries_pending"  # incident_with_head's column: is an escalation retry due?
_HEAD_COLUMNS = ("reference", "council_id", "provider_ids", "seq", "event_mac", "mac")


@functools.cache
def upsert_head(dialect: str) -> Any:
    """Insert or move on an incident's chain head; parameters `b_incident_id` and `b_<column>`."""
    insert_of = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_of(_HEADS).values(
        incident_id=bindparam("b_incident_id"), **{c: bindparam(f"b_{c}") for c in _HEAD_COLUMNS}
    )
    return stmt.on_conflict_do_update(
        index_elements=[_HEADS.c.incident_id], set_={c: stmt.excluded[c] for c in _HEAD_COLUMNS}
    )


_EVENT_COLUMNS = (
    "incident_id", "seq", "kind", "actor_id", "actor_name", "organisation", "at", "data",
    "prev_hash", "hash",
)  # fmt: skip


@functools.cache
def persist_on_postgresql(columns: tuple[str, ...], events: int, fired: bool = False) -> Any:
    """One round trip instead of three for every change of an incident on PostgreSQL: its
    timeline rows and its chain head are written by data-modifying CTEs of the optimistic
    update, which returns the id when the version matched (nothing otherwise; the caller then
    raises, and the transaction with the CTEs' rows rolls back). Parameters: those of
    `update_incident_if_version`, `b_head_<column>` for the head and `b_e<i>_<column>` for
    the i-th event. With `fired`, a firing's deadline (`b_fired_id`) is marked fired at
    `b_fired_at` too, if it is still pending; the second column returned says if it was."""
    head = postgresql.insert(_HEADS).values(
        incident_id=bindparam("b_id"), **{c: bindparam(f"b_head_{c}") for c in _HEAD_COLUMNS}
    )
    head = head.on_conflict_do_update(
        index_elements=[_HEADS.c.incident_id], set_={c: head.excluded[c] for c in _HEAD_COLUMNS}
    )
    stmt = _update_incident_if_version(columns).add_cte(head.cte("moved_head"))
    if events:
        # INSERT ... SELECT of UNION ALL rather than a multi-row VALUES: SQLAlchemy gives a
        # multi-row VALUES no cache key, so it was compiled again at every write (a seventh of
        # the service's CPU under the burst); this form is compiled once per event count.
        rows = [
            select(*[bindparam(f"b_e{i}_{c}", type_=_EVENTS.c[c].type) for c in _EVENT_COLUMNS])
            for i in range(events)
        ]
        appended = insert(_EVENTS).from_select(
            _EVENT_COLUMNS, rows[0] if events == 1 else union_all(*rows)
        )
        stmt = stmt.add_cte(appended.cte("appended_events"))
    if not fired:
        return stmt.returning(_INCIDENTS.c.id)
    deadlines = cast(Table, DeadlineRow.__table__)
    marked = (
        update(deadlines)
        .where(deadlines.c.id == bindparam("b_fired_id"), deadlines.c.state == "pending")
        .values(state="fired", fired_at=bindparam("b_fired_at"))
        .returning(deadlines.c.id)
        .cte("fired_deadline")
    )
    was_pending = select(func.count()).select_from(marked).scalar_subquery()
    return stmt.add_cte(marked).returning(_INCIDENTS.c.id, was_pending)


@functools.cache
def incident_with_head() -> Any:
    """The incident and its chain head in one statement, for a caller that already holds the
    incident's lock (a firing: its claim locked it): every head write also updates the
    incident row, so with the lock held the head read here is the current one.

    It also says whether an escalation retry of the incident is pending (`RETRIES_PENDING`):
    each escalation asks, to supersede what it covers, and almost never is there one. Retry
    rows are added only by firings, which hold this same lock (contact made, closure and the
    purge only settle them, which keeps a "no" true), and this read runs after the lock was
    taken, so a "no" stays true for the transaction."""
    retrying = exists().where(
        _DEADLINES.c.incident_id == _INCIDENTS.c.id,
        _DEADLINES.c.state == DeadlineState.PENDING.value,
        _DEADLINES.c.kind == DeadlineKind.ESCALATION_RETRY.value,
    )
    heads = [_HEADS.c[c].label(f"head_{c}") for c in (*_HEAD_COLUMNS,)]
    return (
        select(_INCIDENTS, *heads, retrying.label(RETRIES_PENDING))
        .outerjoin(_HEADS, _HEADS.c.incident_id == _INCIDENTS.c.id)
        .where(_INCIDENTS.c.id == bindparam("b_id"))
        .with_for_update(of=_INCIDENTS)
    )
