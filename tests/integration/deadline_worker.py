"""One deadline worker in its own OS process, for the tests that run several replicas at once.

Its handler writes the fired deadline's id into `fired_log` inside the firing transaction, so the
log holds exactly what committed: a duplicate firing would show up as a second row.

With WAIT_FOR=b, every firing is held, inside its transaction, until worker b has committed one,
and the first time it waits the worker prints "holding". A test that starts b only after that
line knows both fire (left to chance, the faster process sometimes fired every row), and that b
fires while this one holds locks, the overlap the exactly-once guarantee is about. Only a free
incident lets b fire, so the test seeds more incidents than a worker runs loops.

Usage: DATABASE_URL=postgresql://... WORKER_ID=a [WAIT_FOR=b] \
    python tests/integration/deadline_worker.py
Prints "ready" once its first sweep is done; stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import text

from bot.app.scheduler import DeadlineScheduler
from bot.domain.clock import SystemClock
from bot.domain.deadlines import Deadline
from storage.database import create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import TIMELINE_KEY

LOG_FIRING = text("INSERT INTO fired_log (deadline_id, worker_id) VALUES (:deadline, :worker)")
PEER_FIRED = text("SELECT 1 FROM fired_log WHERE worker_id = :peer LIMIT 1")


async def main() -> None:
    worker_id = os.environ.get("WORKER_ID", f"pid-{os.getpid()}")
    engine = create_engine_for(parse_database_url(os.environ["DATABASE_URL"]), pool_size=16)

    peer = os.environ.get("WAIT_FOR")
    peer_seen = asyncio.Event()

    holding = False

    async def wait_for_peer(uow: SqlUnitOfWork) -> None:
        """Read committed: each poll in this transaction sees what the peer has committed."""
        nonlocal holding
        while not peer_seen.is_set():
            if await uow.session.scalar(PEER_FIRED, {"peer": peer}):
                peer_seen.set()
                return
            if not holding:
                holding = True
                print("holding", flush=True)
            await asyncio.sleep(0.01)

    async def log_firing(deadline: Deadline, uow: SqlUnitOfWork) -> None:
        if peer:
            await wait_for_peer(uow)
        await uow.session.execute(LOG_FIRING, {"deadline": deadline.id, "worker": worker_id})

    scheduler = DeadlineScheduler(
        SqlUnitOfWorkFactory(engine, TIMELINE_KEY),
        SystemClock(),
        log_firing,
        worker_id=worker_id,
        sweep_seconds=float(os.environ.get("SWEEP_SECONDS", "0.5")),
    )
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await scheduler.start()
    print("ready", flush=True)
    await stopping.wait()
    await scheduler.stop()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
