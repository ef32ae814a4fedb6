"""One incident's deadlines fire in their order (the ladder level by level) even when its row is
held for a moment: by a person's command, or by another replica firing it and then refreshing
its card after the commit. A pass lists what is due and claims incident by incident; an
earlier row that is held blocks the later ones instead of being stepped over (found by a
review: level 2 went out before level 1 when the incident was held at the moment the pass
tried level 1, and across two replicas a claim that skipped an incident kept its row locked).
PostgreSQL only: SQLite has no row locks to step over (its claims wait for the writer)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from bot.app.scheduler import DeadlineScheduler
from bot.domain.deadlines import Deadline, DeadlineKind
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.integration.deadline_rows import new_incident, seed, store
from tests.integration.waiting import within


def step(
    incident: str,
    level: int,
    due: datetime,
    now: datetime,
    kind: DeadlineKind = DeadlineKind.CONTACT_ESCALATION,
) -> Deadline:
    return Deadline(
        id=f"{kind.value[:4]}-{incident[:8]}-{level}",
        incident_id=incident,
        kind=kind,
        due_at=due,
        level=level,
        created_at=now,
    )


def inversions(fired: list[Deadline]) -> int:
    """How many times one incident's deadline fired after a later one of the same incident."""
    by_incident: dict[str, list[Deadline]] = {}
    for d in fired:
        by_incident.setdefault(d.incident_id, []).append(d)
    return sum(
        1
        for ds in by_incident.values()
        for a, b in itertools.pairwise(ds)
        if (a.due_at, a.id) > (b.due_at, b.id)
    )


async def test_level_2_waits_for_level_1_while_a_command_holds_the_incident(
    pg_uows, ctx, clock
) -> None:
    y = await new_incident(pg_uows, ctx)
    z = await new_incident(pg_uows, ctx)
    now = clock.now()
    level1 = step(y, 1, now - timedelta(minutes=3), now)
    level2 = step(y, 2, now - timedelta(minutes=2), now)
    other = step(z, 1, now - timedelta(minutes=1), now)
    await store(pg_uows, [level1, level2, other])
    command = await pg_uows.engine.connect()  # a person's command on Y, holding its row
    held = await command.begin()
    await command.execute(text("SELECT id FROM incidents WHERE id = :y FOR UPDATE"), {"y": y})
    order: list[str] = []

    async def handler(d: Deadline, uow: SqlUnitOfWork) -> None:
        order.append(d.id)
        if d.id == other.id and held.is_active:
            await held.commit()  # the command ends while the pass fires Z

    try:
        scheduler = DeadlineScheduler(pg_uows, clock, handler, worker_id="a", loops=1)
        while await scheduler.fire_due():
            pass
    finally:
        await command.close()
    assert sorted(order) == sorted([level1.id, level2.id, other.id])  # each once
    assert order.index(level1.id) < order.index(level2.id), order


async def test_another_replica_refreshing_a_card_does_not_let_level_2_overtake(
    pg_uows, other_uows, ctx, clock
) -> None:
    """Replica B fires Y's page, commits, and refreshes its card (the incident unlocked
    meanwhile); replica A, which found Y held, must not take level 2 before level 1."""
    y = await new_incident(pg_uows, ctx)
    z = await new_incident(pg_uows, ctx)
    now = clock.now()
    page = step(y, 0, now - timedelta(minutes=4), now, DeadlineKind.PROVIDER_PAGE)
    level1 = step(y, 1, now - timedelta(minutes=3), now)
    level2 = step(y, 2, now - timedelta(minutes=2), now)
    zs = [step(z, i, now - timedelta(minutes=1, seconds=10 - i), now) for i in range(1, 4)]
    await store(pg_uows, [page, level1, level2, *zs])
    order: list[str] = []
    b_in_page, a_in_z2, b_refreshing, a_done = (asyncio.Event() for _ in range(4))

    async def b_fires(d: Deadline, uow: SqlUnitOfWork) -> None:
        order.append(d.id)
        if d.id == page.id:
            b_in_page.set()
            await within(a_in_z2.wait(), "A to reach Z's second step")

    async def b_refreshes(d: Deadline) -> None:
        if d.id == page.id:
            b_refreshing.set()
            await within(a_done.wait(), "A to go on")

    async def a_fires(d: Deadline, uow: SqlUnitOfWork) -> None:
        order.append(d.id)
        if d.id == zs[1].id:
            a_in_z2.set()
            await within(b_refreshing.wait(), "B to commit the page")
        if d.id in (level1.id, level2.id):
            a_done.set()

    b = DeadlineScheduler(other_uows, clock, b_fires, worker_id="b", loops=1)
    b.after_commit = b_refreshes
    a = DeadlineScheduler(pg_uows, clock, a_fires, worker_id="a", loops=1)
    b_pass = asyncio.create_task(b.fire_due())
    await within(b_in_page.wait(), "B to fire the page")
    a_pass = asyncio.create_task(a.fire_due())
    try:
        await within(asyncio.gather(a_pass, b_pass), "both passes")
    finally:
        a_done.set()
    for _ in range(3):  # what either left (held by the other) is fired by a later pass
        await asyncio.gather(a.fire_due(), b.fire_due())
    assert sorted(order) == sorted([page.id, level1.id, level2.id, *(d.id for d in zs)])
    assert order.index(level1.id) < order.index(level2.id), order


@pytest.mark.parametrize("refresh_s", [0.0, 0.002])
async def test_two_replicas_keep_each_incidents_order_through_a_burst(
    pg_uows: SqlUnitOfWorkFactory, other_uows, ctx, clock, refresh_s: float
) -> None:
    await seed(pg_uows, ctx, [clock.now() + timedelta(seconds=i % 90) for i in range(1000)])
    clock.advance(minutes=2)
    fired: list[Deadline] = []

    async def handler(d: Deadline, uow: SqlUnitOfWork) -> None:
        fired.append(d)  # under the incident's lock: one incident's firings in their order

    async def refresh(_d: Deadline) -> None:
        await asyncio.sleep(refresh_s)  # a card refresh after the commit, the incident free

    replicas = []
    for name, uows in (("a", pg_uows), ("b", other_uows)):
        replica = DeadlineScheduler(uows, clock, handler, worker_id=name, batch=2000)
        replica.after_commit = refresh
        replicas.append(replica)
    for _ in range(10):
        await asyncio.gather(*(r.fire_due() for r in replicas))
    assert len(fired) == 1000
    assert len({d.id for d in fired}) == 1000
    assert inversions(fired) == 0


async def test_fire_now_pages_both_providers_whichever_order_it_is_given(
    pg_uows, ctx, clock
) -> None:
    """Two providers paged at once (a mass event): both pages are due together, and the claim
    takes the one whose id sorts first before the other; given the other first, `fire_now`
    must still page both at once, not leave one to the next sweep."""
    y = await new_incident(pg_uows, ctx)
    now = clock.now()
    first, second = (
        Deadline(
            id=f"page-{name}-{y[:8]}",
            incident_id=y,
            kind=DeadlineKind.PROVIDER_PAGE,
            due_at=now,
            created_at=now,
        )
        for name in ("a", "b")
    )
    await store(pg_uows, [first, second])
    order: list[str] = []

    async def handler(d: Deadline, uow: SqlUnitOfWork) -> None:
        order.append(d.id)

    scheduler = DeadlineScheduler(pg_uows, clock, handler, worker_id="a")
    assert await scheduler.fire_now([second.id, first.id]) == 2
    assert order == [first.id, second.id]
