"""What each stage of an incident costs the service process: CPU time and database round trips.

Benchmark-only instrumentation, installed in the service's own process. One event loop runs
everything at once (answers, pages, the ladder, cards), so time windows cannot separate the
stages; instead each piece of work carries a `Meter` in a context variable, and

- every step the event loop runs (`asyncio.Handle._run`, which runs each task step and
  callback) adds its thread CPU time to the meter of the context it ran in, read at the end of
  the step (a task that labels itself mid-step is charged for that step);
- every statement sent to the database (`before_cursor_execute`) counts on the current meter,
  and each transaction begun (`begin`) counts as two more round trips (its BEGIN and its
  COMMIT or ROLLBACK);
- a task created inside metered work inherits its meter (asyncio copies the context), so the
  work a listener spawns after its answer is charged to it unless it is labelled itself.

Who labels what: the HTTP middleware labels each request by its form; each deadline firing
(the claim included) is labelled by the kind and level it claimed, and a pass's read of what is
due as "due list read"; a card refresh is labelled
on its own; the prepare steps label themselves. CPU outside any step (the selector, the loop's
own bookkeeping) and steps with no meter are reported as `unattributed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event


@dataclass
class Meter:
    stage: str
    cpu: float = 0.0
    statements: int = 0
    transactions: int = 0


@dataclass
class StageCost:
    cpu: float = 0.0
    statements: int = 0
    transactions: int = 0
    units: int = 0  # how many pieces of work (requests, firings, refreshes) were metered


@dataclass
class Costs:
    stages: dict[str, StageCost] = field(default_factory=dict)
    open_meters: list[Meter] = field(default_factory=list)
    unattributed_cpu: float = 0.0
    unattributed_statements: int = 0

    def add(self, meter: Meter) -> None:
        stage = self.stages.setdefault(meter.stage, StageCost())
        stage.cpu += meter.cpu
        stage.statements += meter.statements
        stage.transactions += meter.transactions
        stage.units += 1

    def reset(self) -> None:
        self.stages.clear()
        self.unattributed_cpu, self.unattributed_statements = 0.0, 0

    def report(self, incidents: int) -> dict[str, Any]:
        """Per stage: CPU ms and round trips per incident, and per unit of work."""
        rows: dict[str, Any] = {}
        for name, s in sorted(self.stages.items()):
            trips = s.statements + 2 * s.transactions
            rows[name] = {
                "units": s.units,
                "cpu_ms_per_incident": round(s.cpu * 1000 / incidents, 2),
                "round_trips_per_incident": round(trips / incidents, 2),
                "statements_per_incident": round(s.statements / incidents, 2),
                "cpu_ms_per_unit": round(s.cpu * 1000 / max(s.units, 1), 2),
                "round_trips_per_unit": round(trips / max(s.units, 1), 2),
            }
        rows["unattributed"] = {
            "cpu_ms_per_incident": round(self.unattributed_cpu * 1000 / incidents, 2),
            "statements_per_incident": round(self.unattributed_statements / incidents, 2),
        }
        return rows


METER: ContextVar[Meter | None] = ContextVar("cost_meter", default=None)
COSTS = Costs()


@contextlib.contextmanager
def metered(stage: str) -> Iterator[Meter]:
    """Charge the work done in this block (in this task and the tasks it creates) to `stage`."""
    meter = Meter(stage)
    token = METER.set(meter)
    try:
        yield meter
    finally:
        METER.reset(token)
        COSTS.add(meter)


def _install_loop_meter() -> None:
    handle = asyncio.events.Handle
    original = handle._run
    thread_time = time.thread_time

    def _run(self: Any) -> None:
        start = thread_time()
        try:
            original(self)
        finally:
            spent = thread_time() - start
            meter = self._context.get(METER) if self._context is not None else None
            if meter is None:
                COSTS.unattributed_cpu += spent
            else:
                meter.cpu += spent

    handle._run = _run  # type: ignore[method-assign]


def _install_statement_counter(sync_engine: Any) -> None:
    def statement(*_args: Any) -> None:
        meter = METER.get()
        if meter is None:
            COSTS.unattributed_statements += 1
        else:
            meter.statements += 1

    def begin(conn: Any) -> None:
        meter = METER.get()
        autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        if meter is not None and not autocommit:  # in autocommit the driver sends no BEGIN
            meter.transactions += 1

    event.listen(sync_engine, "before_cursor_execute", statement)
    event.listen(sync_engine, "begin", begin)


def _label_firings() -> None:
    """Each claim-and-fire is one unit, labelled by what it claimed (or found nothing)."""
    from bot.app.scheduler import DeadlineScheduler
    from storage.deadlines import SqlDeadlineRepository

    fire_one = DeadlineScheduler._fire_one
    claim = SqlDeadlineRepository.claim_next_due

    async def _fire_one(self: Any, *args: Any, **kwargs: Any) -> Any:
        with metered("claim found nothing due"):
            return await fire_one(self, *args, **kwargs)

    async def claim_next_due(self: Any, *args: Any, **kwargs: Any) -> Any:
        deadline = await claim(self, *args, **kwargs)
        meter = METER.get()
        if deadline is not None and meter is not None:
            kind = deadline.kind.value
            ladder = kind in {"contact_escalation", "escalation_retry"}
            meter.stage = f"fire {kind}" + (f" level {deadline.level}" if ladder else "")
        return deadline

    DeadlineScheduler._fire_one = _fire_one  # type: ignore[method-assign]
    SqlDeadlineRepository.claim_next_due = claim_next_due  # type: ignore[method-assign]


def _label(target: Any, name: str, stage: str) -> None:
    original: Callable[..., Awaitable[Any]] = getattr(target, name)

    async def labelled(*args: Any, **kwargs: Any) -> Any:
        with metered(stage):
            return await original(*args, **kwargs)

    setattr(target, name, labelled)


def form_middleware(labels: dict[bytes, str], default: str) -> Any:
    """An aiohttp middleware labelling each request by the first of `labels` its body holds."""
    from aiohttp import web

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> Any:
        body = await request.read()  # kept by aiohttp for the handler
        stage = next((s for marker, s in labels.items() if marker in body), default)
        with metered(stage):
            return await handler(request)

    return middleware


def install(sync_engine: Any) -> None:
    """Meter this process: the loop's steps, the engine's statements, firings, card refreshes."""
    from handlers.slack.room import SlackRoom

    _install_loop_meter()
    _install_statement_counter(sync_engine)
    _label_firings()
    _label(SlackRoom, "refresh", "card refresh")
    from bot.app.scheduler import DeadlineScheduler

    _label(DeadlineScheduler, "_due", "due list read")
