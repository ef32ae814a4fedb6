"""How long does the post-incident report take for a big incident? Target: under 2 s for 2,000
timeline events (load the events + build the report + Markdown + PDF), on this machine.

    .venv/bin/python -m benchmarks.report_generation [--url postgresql://...] [--events 2000]
        [--runs 20]

Stores an incident with the given number of events through the unit of work (a throw-away
SQLite file unless --url), then times each stage. Baselines in the same run, for comparison:
loading the events alone, and the whole pipeline for a 10-event incident. Writes
benchmarks/results/report_generation.json. Writes into the database it is given: point it at a
scratch database, never at production.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.clock import FakeClock
from bot.domain.events import (
    ContactRecorded,
    NoteAdded,
    ProviderPaged,
    StatusUpdatePosted,
    ThresholdAssessed,
    ThresholdDecisionRecorded,
)
from bot.domain.incident import Incident, MouStatus
from bot.domain.reference import Reference
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent, TimelineKey
from bot.policy.load import load_policy
from bot.reporting import build_report
from bot.reporting.markdown import render_markdown
from bot.usecases.context import CoreContext
from bot.usecases.referral import open_referral
from handlers.report.pdf import render_pdf
from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import ASSESSOR, COUNCIL_USER, KPMG_RESPONDER, referral_cmd

BENCHMARK_KEY = TimelineKey(b"benchmark-timeline-key-" + b"k" * 16)

RESULTS = Path(__file__).parent / "results" / "report_generation.json"
BATCH = 250


def _lifecycle(incident: Incident, now: datetime) -> None:
    """The events of an activated incident, before the long tail of updates and notes."""
    incident.move_to(State.THRESHOLD_CHECK, ASSESSOR, now)
    assessed = ThresholdAssessed(
        assessment_id="a1",
        answers={"status": ["confirmed"]},
        recommendation="activate",
        summary="Confirmed ransomware on critical services",
        missing=(),
    )
    incident.note(assessed, ASSESSOR, now)
    decided = ThresholdDecisionRecorded(
        assessment_id="a1",
        decision="activate",
        recommendation="activate",
        rationale="Benefits offline",
        differs_from_recommendation=False,
    )
    incident.note(decided, ASSESSOR, now)
    incident.move_to(State.AWAITING_MOU, ASSESSOR, now)
    incident.record_mou(MouStatus.SIGNED, COUNCIL_USER, now)
    incident.move_to(State.ACTIVATED, ASSESSOR, now)
    deadline_at = (now + timedelta(minutes=30)).isoformat()
    paged = ProviderPaged(
        provider_ids=("kpmg",), notified_at=now.isoformat(), deadline_at=deadline_at
    )
    incident.note(paged, ASSESSOR, now)
    contact = ContactRecorded(
        provider_id="kpmg",
        contact_at=(now + timedelta(minutes=22)).isoformat(),
        method="phone",
        by="Kim Responder",
        notes="",
        minutes_to_contact=22.0,
        met_deadline=True,
        deadline_at=deadline_at,
        cancelled_deadlines=0,
    )
    incident.note(contact, KPMG_RESPONDER, now + timedelta(minutes=22))
    incident.move_to(State.CONTAINMENT, KPMG_RESPONDER, now + timedelta(hours=1))


def _filler(incident: Incident, i: int, now: datetime) -> None:
    if i % 3 == 0:
        posted = StatusUpdatePosted(
            what_changed=f"Hosts {i} rebuilt",
            impact="Benefits partly restored",
            next_steps="Scan the remaining estate",
        )
        incident.note(posted, KPMG_RESPONDER, now)
    else:
        note = f"Note {i}: call with the service manager; residents told by text"
        incident.note(NoteAdded(text=note, source="slash"), COUNCIL_USER, now)


async def seed(uows: SqlUnitOfWorkFactory, ctx: CoreContext, clock: FakeClock, events: int) -> str:
    incident = await open_referral(referral_cmd(clock), uows(), ctx)
    async with uows() as uow:  # the referral and what it says was already done
        opened = written = len(await uow.timeline.for_incident(incident.id))
    while written < events:
        async with uows() as uow:
            loaded = await uow.incidents.get(incident.id)
            assert loaded is not None
            if written == opened and events > 20:
                _lifecycle(loaded, clock.now())
            while (
                len(loaded.pending_events) < BATCH and written + len(loaded.pending_events) < events
            ):
                _filler(loaded, written + len(loaded.pending_events), clock.advance(minutes=1))
            written += len(loaded.pending_events)
            await uow.commit()
    return str(incident.reference)


async def load(uows: SqlUnitOfWorkFactory, reference: str) -> tuple[Incident, list[TimelineEvent]]:
    async with uows() as uow:
        incident = await uow.incidents.get_by_reference(Reference.parse(reference))
        assert incident is not None
        return incident, list(await uow.timeline.for_incident(incident.id))


def summarise(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_s": round(statistics.median(ordered), 4),
        "p95_s": round(ordered[math.ceil(0.95 * len(ordered)) - 1], 4),
        "max_s": round(ordered[-1], 4),
    }


async def timed(runs: int, step: Callable[[], Awaitable[Any]]) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await step()
        samples.append(time.perf_counter() - start)
    return samples


async def run(url: str, events: int, runs: int) -> dict[str, Any]:
    target = parse_database_url(url)
    migrate.upgrade(target)
    engine = create_engine_for(target)
    clock = FakeClock()
    ctx = CoreContext(clock=clock, policy=load_policy(DEFAULT_CONFIG_DIR))
    council = ctx.policy.councils["hackney"]
    providers = {p.id: p.name for p in ctx.policy.providers.values()}
    uows = SqlUnitOfWorkFactory(engine, BENCHMARK_KEY)
    stages: dict[str, list[float]] = {"load": [], "build": [], "markdown": [], "pdf": []}
    try:
        big = await seed(uows, ctx, clock, events)
        small = await seed(uows, ctx, clock, 10)

        async def pipeline(reference: str, record: bool) -> tuple[int, int, int]:
            t0 = time.perf_counter()
            incident, timeline = await load(uows, reference)
            t1 = time.perf_counter()
            report = build_report(
                incident,
                council,
                timeline,
                generated_at=clock.now(),
                questionnaire=ctx.policy.questionnaire,
                provider_names=providers,
            )
            t2 = time.perf_counter()
            markdown = render_markdown(report)
            t3 = time.perf_counter()
            pdf = render_pdf(report)
            if record:
                took = (t1 - t0, t2 - t1, t3 - t2, time.perf_counter() - t3)
                for name, seconds in zip(stages, took, strict=True):
                    stages[name].append(seconds)
            return len(timeline), len(pdf), len(markdown)

        count, pdf_bytes, markdown_bytes = await pipeline(
            big, record=False
        )  # warm-up, and the sizes reported
        assert count == events, (count, events)
        full = await timed(runs, lambda: pipeline(big, record=True))
        load_only = await timed(runs, lambda: load(uows, big))
        ten = await timed(runs, lambda: pipeline(small, record=False))
    finally:
        await engine.dispose()
    return {
        "benchmark": "report_generation",
        "target": "full pipeline p95 under 2 s for 2,000 events",
        "database": target.sync_url.get_backend_name(),
        "events": events,
        "runs": runs,
        "pdf_bytes": pdf_bytes,
        "markdown_chars": markdown_bytes,
        "full_pipeline": summarise(full),
        "stages_p50_s": {k: round(statistics.median(v), 4) for k, v in stages.items()},
        "baseline_load_events_only": summarise(load_only),
        "baseline_10_event_report": summarise(ten),
        "meets_target": summarise(full)["p95_s"] < 2.0,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--url", help="database URL (default: a throw-away SQLite file)")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        result = asyncio.run(run(url, args.events, args.runs))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
