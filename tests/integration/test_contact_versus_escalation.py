"""The race with "contact made" on PostgreSQL: contact waits for an escalation being fired, cancels
one not yet claimed, and the two never both happen."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from bot.app.scheduler import DeadlineScheduler
from bot.domain.deadlines import Deadline, DeadlineState
from storage.deadlines import SqlDeadlineRepository
from storage.models import IncidentRow
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.integration.deadline_rows import (
    Recorder,
    deadline,
    fired_log,
    load,
    log_as,
    new_incident,
    store,
)
from tests.integration.waiting import waiting_on_a_lock, within


async def record_contact(uows: SqlUnitOfWorkFactory, incident_id: str) -> int:
    """What "contact made" does to the rows: lock the incident, cancel the ladder, update the
    incident, commit, all in one transaction. Returns the deadlines it cancelled."""
    async with uows() as uow:
        await uow.session.execute(
            select(IncidentRow.id).where(IncidentRow.id == incident_id).with_for_update()
        )
        cancelled = await SqlDeadlineRepository(uow.session).cancel_pending(incident_id)
        await uow.session.execute(
            update(IncidentRow)
            .where(IncidentRow.id == incident_id)
            .values(version=IncidentRow.version + 1)
        )
        await uow.commit()
    return cancelled


async def test_contact_made_during_an_escalation_waits_and_cancels_nothing(
    pg_uows, other_uows, ctx, clock
):
    incident_id = await new_incident(pg_uows, ctx)
    escalation = deadline(incident_id, clock.now(), clock.now())
    await store(pg_uows, [escalation])
    claimed, release, sent = asyncio.Event(), asyncio.Event(), []

    async def slow_send(due: Deadline, uow: SqlUnitOfWork) -> None:
        claimed.set()
        await release.wait()
        sent.append(due.id)

    firing = asyncio.create_task(
        DeadlineScheduler(pg_uows, clock, slow_send, worker_id="w1").fire_due()
    )
    await within(claimed.wait(), "the escalation to be claimed")
    contact = asyncio.create_task(record_contact(other_uows, incident_id))
    await waiting_on_a_lock(pg_uows)
    assert not contact.done(), "contact must queue behind the escalation that holds the claim"
    release.set()
    assert await firing == 1
    assert sent == [escalation.id]
    assert await contact == 0
    assert (await load(pg_uows, escalation.id)).state is DeadlineState.FIRED


async def test_contact_stored_first_means_the_escalation_is_never_sent(pg_uows, ctx, clock):
    incident_id = await new_incident(pg_uows, ctx)
    escalation = deadline(incident_id, clock.now(), clock.now())
    await store(pg_uows, [escalation])
    assert await record_contact(pg_uows, incident_id) == 1
    handler = Recorder()
    assert await DeadlineScheduler(pg_uows, clock, handler, worker_id="w1").fire_due() == 0
    assert handler.calls == []


async def test_contact_and_escalation_racing_never_both_happen(pg_uows, other_uows, ctx, clock):
    incidents = [await new_incident(pg_uows, ctx) for _ in range(20)]
    rows = [deadline(i, clock.now(), clock.now()) for i in incidents]
    await store(pg_uows, rows)
    scheduler = DeadlineScheduler(pg_uows, clock, log_as("w1"), worker_id="w1")
    _, *cancelled = await asyncio.gather(
        scheduler.fire_due(), *(record_contact(other_uows, i) for i in incidents)
    )
    sent = {d for d, _ in await fired_log(pg_uows)}
    for row, cancels in zip(rows, cancelled, strict=True):
        assert (row.id in sent) != (cancels == 1), f"escalation sent and cancelled: {row.id}"
        state = (await load(pg_uows, row.id)).state
        assert state is (DeadlineState.FIRED if row.id in sent else DeadlineState.CANCELLED)
