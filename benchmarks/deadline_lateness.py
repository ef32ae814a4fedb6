"""How late do deadlines fire? Runs real schedulers (sweep + wake-ups) against a database and
reports fired_at - due_at, so a change to the sweep interval or the claim query shows its cost.

    python benchmarks/deadline_lateness.py [--url postgresql://...] [--deadlines 500]
        [--spread 10] [--replicas 2] [--sweep 2.0]

Without --url it uses a throw-away SQLite file. Writes into the database it is given: point it at
a scratch database, never at production.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from bot.app.scheduler import DeadlineScheduler
from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.actors import Actor, OrgKind
from bot.domain.clock import SystemClock
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.domain.timeline import TimelineKey
from bot.policy.load import load_policy
from bot.usecases.context import CoreContext
from bot.usecases.referral import OpenReferral, open_referral
from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.deadlines import SqlDeadlineRepository
from storage.models import DeadlineRow
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

BENCHMARK_KEY = TimelineKey(b"benchmark-timeline-key-" + b"k" * 16)

SYSTEM = Actor("system:benchmark", "Benchmark", OrgKind.SYSTEM, "system")


async def _noop(deadline: Deadline, uow: SqlUnitOfWork) -> None:
    return None


async def _seed(uows: SqlUnitOfWorkFactory, ctx: CoreContext, n: int, spread: float) -> None:
    referral = OpenReferral(
        actor=SYSTEM,
        council_id=next(iter(ctx.policy.councils)),
        description="Benchmark incident",
        detected_at=ctx.clock.now(),
        services_affected="none",
        attacker_active="unknown",
        contact_name="Bench",
        contact_email="bench@example.org",
        contact_phone="0",
    )
    incident = await open_referral(referral, uows(), ctx)
    now = ctx.clock.now() + timedelta(seconds=1)
    rows = [
        Deadline(
            id=uuid.uuid4().hex,
            incident_id=incident.id,
            kind=DeadlineKind.CONTACT_ESCALATION,
            due_at=now + timedelta(seconds=spread * i / n),
            created_at=now,
        )
        for i in range(n)
    ]
    async with uows() as uow:
        await SqlDeadlineRepository(uow.session).add_all(rows)
        await uow.commit()


async def run(url: str, n: int, spread: float, replicas: int, sweep: float) -> list[float]:
    target = parse_database_url(url)
    migrate.upgrade(target)
    engines = [create_engine_for(target) for _ in range(replicas)]
    uows = [SqlUnitOfWorkFactory(e, BENCHMARK_KEY) for e in engines]
    clock = SystemClock()
    ctx = CoreContext(clock=clock, policy=load_policy(DEFAULT_CONFIG_DIR))
    schedulers = [
        DeadlineScheduler(u, clock, _noop, worker_id=f"bench-{i}", sweep_seconds=sweep)
        for i, u in enumerate(uows)
    ]
    for s in schedulers:
        await s.start()
    await _seed(uows[0], ctx, n, spread)
    for s in schedulers:  # what the use case does after its commit
        s.wake_at(clock.now() + timedelta(seconds=1))
    while True:
        async with uows[0]() as uow:
            if await SqlDeadlineRepository(uow.session).count(DeadlineState.PENDING) == 0:
                break
        await asyncio.sleep(0.2)
    for s in schedulers:
        await s.stop()
    async with uows[0]() as uow:
        rows = await uow.session.execute(
            select(DeadlineRow.due_at, DeadlineRow.fired_at).where(
                DeadlineRow.state == DeadlineState.FIRED.value
            )
        )
        pairs = list(rows)
    for e in engines:
        await e.dispose()
    return [(fired - due).total_seconds() for due, fired in pairs if fired is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="")
    parser.add_argument("--deadlines", type=int, default=500)
    parser.add_argument("--spread", type=float, default=10.0)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--sweep", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.url or f"sqlite:///{scratch}/bench.db"
        late = asyncio.run(run(url, args.deadlines, args.spread, args.replicas, args.sweep))
    late.sort()
    print(f"{len(late)} deadlines fired over {args.spread}s by {args.replicas} replica(s)")
    print(
        f"lateness p50 {statistics.median(late) * 1000:.0f} ms, "
        f"p95 {late[int(len(late) * 0.95) - 1] * 1000:.0f} ms, max {late[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
