"""How long does a Prometheus scrape of `/metrics` take with 500 incidents open? Target: p95
under 50 ms. Baseline in the same run: `/healthz` on the same server (the cost of an HTTP
round trip through the same middlewares), requests interleaved so machine noise falls on both.

    .venv/bin/python -m benchmarks.metrics_scrape [--url postgresql://...] [--open 500]
        [--requests 300]

Seeds the incidents through the use cases (a throw-away SQLite file unless --url), each with
its contact ladder pending (half of it overdue) and a history of fired deadlines, and fills
the counters and histograms with every label a month of service gives them (both providers,
five levels, every deadline kind, route and state), so the text a scrape renders is full size.
Reports wall time and the process's CPU time per request (the machine's load average beside
them). Writes benchmarks/results/metrics_scrape.json (or --output). Writes into the database
it is given: never production.
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
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app.container import build_container
from bot.app.server import METRICS, build_web_app
from bot.app.settings import load_settings
from bot.domain.clock import FakeClock
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.ports.metrics import DeliveryRoute
from bot.usecases.referral import open_referral
from handlers.metrics.prometheus import PrometheusMetrics
from tests.factories import TIMELINE_KEY_TEXT, referral_cmd

RESULTS = Path(__file__).parent / "results" / "metrics_scrape.json"
TARGET_P95_S = 0.050
WARMUP = 30


def summarise(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[math.ceil(0.95 * len(ordered)) - 1] * 1000, 2),
        "p99_ms": round(ordered[math.ceil(0.99 * len(ordered)) - 1] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def seed(container: Any, clock: FakeClock, n: int) -> None:
    ctx = container.ctx
    for i in range(n):
        incident = await open_referral(referral_cmd(clock), container.uow(), ctx)
        now = clock.now()
        ladder = [
            Deadline(
                id=uuid.uuid4().hex,
                incident_id=incident.id,
                kind=kind,
                due_at=now + timedelta(minutes=minutes) - timedelta(hours=1 if i % 2 else 0),
                level=level,
                created_at=now,
            )
            for kind, level, minutes in (
                (DeadlineKind.CONTACT_REMINDER, 0, 20),
                (DeadlineKind.CONTACT_ESCALATION, 1, 30),
                (DeadlineKind.CONTACT_ESCALATION, 2, 45),
                (DeadlineKind.CONTACT_ESCALATION, 3, 60),
            )
        ]
        history = [
            Deadline(
                id=uuid.uuid4().hex,
                incident_id=incident.id,
                kind=DeadlineKind.UPDATE_PROMPT,
                due_at=now - timedelta(hours=4 * (j + 1)),
                state=DeadlineState.FIRED,
                created_at=now,
                fired_at=now,
            )
            for j in range(6)
        ]
        async with container.uow() as uow:
            await uow.deadlines.add_all(ladder + history)
            await uow.commit()
        clock.advance(minutes=3)


def fill(metrics: PrometheusMetrics) -> None:
    """Every label set a month of service would have produced."""
    for n in range(200):
        metrics.contact_recorded(("kpmg", "accenture")[n % 2], 300 + 17 * n)
    for level in range(1, 6):
        metrics.escalation_fired(level)
    for kind in DeadlineKind:
        metrics.deadline_fired(kind.value, 0.4)
    for route in DeliveryRoute:
        metrics.delivery_failed(route)
    for method in ("chat.postMessage", "conversations.invite", "views.open", "users.info"):
        for error in ("ratelimited", "channel_not_found", "http_503"):
            metrics.api_error("slack", method, error)
    for method in ("email", "sms", "status"):
        metrics.api_error("notify", method, "RateLimitError")
    for path in ("/slack/events", "/healthz", "/readyz", "/metrics", "unmatched"):
        for status in (200, 401, 404, 503):
            metrics.http_answered(path, "POST", status, 0.01)


async def run(url: str, open_incidents: int, requests: int) -> dict[str, Any]:
    settings = load_settings({"DATABASE_URL": url, "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT})
    clock = FakeClock()
    container = build_container(settings, clock=clock)
    started = time.perf_counter()
    await seed(container, clock, open_incidents)
    seeded_in = time.perf_counter() - started
    app = build_web_app(container, start_scheduler=False)
    fill(app[METRICS])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    samples: dict[str, list[float]] = {"metrics": [], "healthz": []}
    cpu_samples: dict[str, list[float]] = {"metrics": [], "healthz": []}
    body = b""
    try:
        async with aiohttp.ClientSession() as session:

            async def get(path: str) -> tuple[float, float, bytes]:
                t0, c0 = time.perf_counter(), time.process_time()
                async with session.get(base + path) as answer:
                    data = await answer.read()
                    assert answer.status == 200, (path, answer.status)
                return time.perf_counter() - t0, time.process_time() - c0, data

            for i in range(WARMUP + requests):
                order = ("/metrics", "/healthz") if i % 2 else ("/healthz", "/metrics")
                for path in order:
                    took, cpu, data = await get(path)
                    if i >= WARMUP:
                        samples[path.strip("/")].append(took)
                        cpu_samples[path.strip("/")].append(cpu)
                    if path == "/metrics":
                        body = data
    finally:
        await runner.cleanup()
    text = body.decode()
    open_line = 'cir_incidents{state="referral_received"}'
    assert f"{open_line} {float(open_incidents)}" in text, "the scrape did not count them all"
    scrape = summarise(samples["metrics"])
    return {
        "benchmark": "metrics_scrape",
        "target": f"/metrics p95 under {TARGET_P95_S * 1000:g} ms with {open_incidents} open",
        "database": container.target.sync_url.get_backend_name(),
        "open_incidents": open_incidents,
        "deadline_rows": open_incidents * 10,
        "requests_each": requests,
        "seeded_in_s": round(seeded_in, 1),
        "scrape_bytes": len(body),
        "metrics": scrape,
        "baseline_healthz": summarise(samples["healthz"]),
        # CPU time of the whole process (server, client and the database driver's thread) per
        # request: steadier than wall time when other work shares the machine
        "cpu_per_request": {
            "metrics": summarise(cpu_samples["metrics"]),
            "baseline_healthz": summarise(cpu_samples["healthz"]),
        },
        "load_average_1m": round(os.getloadavg()[0], 1),
        "meets_target": scrape["p95_ms"] < TARGET_P95_S * 1000,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--url", help="database URL (default: a throw-away SQLite file)")
    parser.add_argument("--open", type=int, default=500, dest="open_incidents")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        result = asyncio.run(run(url, args.open_incidents, args.requests))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
