"""How long do MHCLG's monthly figures take? Target: under 10 s for 1,000 incidents in a month
(read every timeline + the figures + the PDF with its charts), on this machine.

    .venv/bin/python -m benchmarks.figures [--url postgresql://...] [--incidents 1000]
        [--runs 5]

Stores the incidents through the unit of work (a throw-away SQLite file unless --url), each an
activated incident with contact made (varied minutes, some late) and a few updates, then times
the whole command's work. Baseline in the same run: reading the timelines alone. Writes
benchmarks/results/figures.json. Writes into the database it is given: never production.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.report_generation import BENCHMARK_KEY, _filler, _lifecycle, summarise
from bot.app.figures import load_records
from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.clock import FakeClock
from bot.policy.load import load_policy
from bot.reporting.figures import monthly_figures
from bot.usecases.context import CoreContext
from bot.usecases.referral import open_referral
from handlers.report.figures_pdf import render_figures_pdf
from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import referral_cmd

RESULTS = Path(__file__).parent / "results" / "figures.json"


async def seed(uows: SqlUnitOfWorkFactory, ctx: CoreContext, clock: FakeClock, n: int) -> None:
    for i in range(n):
        incident = await open_referral(referral_cmd(clock), uows(), ctx)
        async with uows() as uow:
            loaded = await uow.incidents.get(incident.id)
            assert loaded is not None
            _lifecycle(loaded, clock.now())
            for j in range(10):
                _filler(loaded, j, clock.now() + timedelta(hours=2, minutes=j))
            await uow.commit()
        clock.advance(minutes=(i % 7) + 20)  # a month of referrals


async def run(url: str, incidents: int, runs: int) -> dict[str, Any]:
    target = parse_database_url(url)
    migrate.upgrade(target)
    engine = create_engine_for(target)
    clock = FakeClock()
    clock.set(clock.now().replace(day=1, hour=0))
    ctx = CoreContext(clock=clock, policy=load_policy(DEFAULT_CONFIG_DIR))
    names = {p.id: p.name for p in ctx.policy.providers.values()}
    uows = SqlUnitOfWorkFactory(engine, BENCHMARK_KEY)
    month = clock.now().date().replace(day=1)
    full: list[float] = []
    read: list[float] = []
    stages: dict[str, list[float]] = {"read": [], "figures": [], "pdf": []}
    try:
        started = time.perf_counter()
        await seed(uows, ctx, clock, incidents)
        seeded_in = time.perf_counter() - started
        counted = 0
        for _ in range(runs):
            t0 = time.perf_counter()
            records = await load_records(uows, ctx.policy)
            t1 = time.perf_counter()
            figures = monthly_figures(
                month, records, now=clock.now(), questionnaire=ctx.policy.questionnaire,
                provider_names=names,
            )  # fmt: skip
            t2 = time.perf_counter()
            pdf = render_figures_pdf(figures, deadline_minutes=30, generated_at=clock.now())
            t3 = time.perf_counter()
            for name, took in zip(stages, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                stages[name].append(took)
            full.append(t3 - t0)
            counted = figures.incidents
        for _ in range(runs):
            t0 = time.perf_counter()
            await load_records(uows, ctx.policy)
            read.append(time.perf_counter() - t0)
    finally:
        await engine.dispose()
    assert counted == incidents, (counted, incidents)
    return {
        "benchmark": "figures",
        "target": "figures for 1,000 incidents (read + figures + PDF) p95 under 10 s",
        "database": target.sync_url.get_backend_name(),
        "incidents": incidents,
        "runs": runs,
        "seeded_in_s": round(seeded_in, 1),
        "pdf_bytes": len(pdf),
        "full": summarise(full),
        "stages_p50_s": {k: round(statistics.median(v), 3) for k, v in stages.items()},
        "baseline_read_timelines_only": summarise(read),
        "meets_target": summarise(full)["p95_s"] < 10.0,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--url", help="database URL (default: a throw-away SQLite file)")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        result = asyncio.run(run(url, args.incidents, args.runs))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
