"""What one database round trip and one Web API call cost this process in CPU, by stack: the
floor under issue 15's cost per incident.

An incident costs the service a number of database round trips and outbound HTTP calls (the
activation-to-contact stages of `activation_escalation.py`: about 73 round trips and 40 calls
to Slack and GOV.UK Notify, most of them the contact ladder's). Whatever the service does
around them, it pays at least that many times what the layers it is built on cost per round
trip and per call. This measures those costs one operation at a time, in this process, by CPU
time (not wall time: the stand-ins run in another process and their time is not ours):

    db   sqlalchemy_session   a statement through an AsyncSession, as the service sends them
         sqlalchemy_core      the same through an AsyncConnection (SQLAlchemy Core, no ORM)
         psycopg              the same through psycopg's own AsyncConnection
         psycopg_pipeline     five statements in one psycopg pipeline (a firing's worth), per
                              statement
    http slack_sdk            chat.postMessage through the service's Web API client, on its
                              long-lived session (as `open_http_session` sets it up)
         slack_sdk_no_session the same client without a session: slack_sdk's default (and
                              Bolt's), a new session and connection per call
         aiohttp              the same request through a bare aiohttp session, answer parsed

It then multiplies the counts per incident from the last PostgreSQL run recorded in
`results/activation_escalation.json` by the mean cost per operation, for the stack the service
uses and for a thin one (psycopg and aiohttp directly), and sets both beside issue 15's target
of 25 ms of CPU per incident.

    .venv/bin/python -m benchmarks.stack_floor --url postgresql://… [--ops 3000]

Without --url the database rows use a throw-away SQLite file (aiosqlite), where each statement
also crosses to a thread. Writes benchmarks/results/stack_floor.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from handlers.slack.app import web_client

RESULTS = Path(__file__).parent / "results"
TARGET_MS = 25.0
CHANNEL = "C0KPMGPAGING"
TOKEN = "xoxb-bench-token"
FIRING_STATEMENTS = 5  # a page's firing on PostgreSQL (tests/integration/test_round_trips.py)
# what a Slack message the ladder sends looks like: five sections of 300 characters
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 300}} for _ in range(5)]


def summary(samples_ns: list[int]) -> dict[str, float]:
    ms = sorted(s / 1e6 for s in samples_ns)

    def at(q: float) -> float:
        return round(ms[min(len(ms) - 1, int(q * len(ms)))], 4)

    return {
        "n": len(ms),
        "mean_ms": round(statistics.fmean(ms), 4),
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
    }


async def measure(
    op: Callable[[int], Awaitable[Any]], ops: int, per_op: int = 1
) -> dict[str, float]:
    """CPU time of each call of `op`, divided by the operations it stands for."""
    for i in range(50):  # warm: connections, caches, prepared statements
        await op(i)
    samples: list[int] = []
    for i in range(ops // per_op):
        start = time.process_time_ns()
        await op(i)
        samples.append((time.process_time_ns() - start) // per_op)
    return summary(samples)


async def database_rows(url: str, ops: int) -> dict[str, dict[str, float]]:
    sa_url = make_url(url)
    postgres = sa_url.get_backend_name() == "postgresql"
    driver = "postgresql+psycopg" if postgres else "sqlite+aiosqlite"
    engine = create_async_engine(sa_url.set(drivername=driver), pool_size=2)
    select = text("SELECT :x")
    rows: dict[str, dict[str, float]] = {}
    try:
        async with AsyncSession(engine) as session:

            async def via_session(i: int) -> None:
                (await session.execute(select, {"x": i})).all()

            rows["sqlalchemy_session"] = await measure(via_session, ops)
        async with engine.connect() as conn:

            async def via_core(i: int) -> None:
                (await conn.execute(select, {"x": i})).all()

            rows["sqlalchemy_core"] = await measure(via_core, ops)
    finally:
        await engine.dispose()
    if postgres:
        rows.update(await _psycopg_rows(sa_url.set(drivername="postgresql"), ops))
    return rows


async def _psycopg_rows(url: Any, ops: int) -> dict[str, dict[str, float]]:
    import psycopg

    dsn = url.render_as_string(hide_password=False)
    rows: dict[str, dict[str, float]] = {}
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:

        async def raw(i: int) -> None:
            await (await conn.execute("SELECT %s", (i,))).fetchall()

        async def pipelined(i: int) -> None:
            async with conn.pipeline():
                cursors = [await conn.execute("SELECT %s", (i + j,)) for j in range(5)]
            for cursor in cursors:
                await cursor.fetchall()

        rows["psycopg"] = await measure(raw, ops)
        rows["psycopg_pipeline"] = await measure(pipelined, ops, per_op=FIRING_STATEMENTS)
    return rows


def _serve_slack(ready: Any, stop: Any) -> None:
    """The Web API stand-in in its own process: its CPU is not this process's."""
    from sandbox.slack.api import FakeSlackApi

    async def main() -> None:
        async with FakeSlackApi() as slack:
            slack.add_channel(CHANNEL, "kpmg-paging")
            ready.put(slack.base_url)
            while not stop.is_set():
                await asyncio.sleep(0.1)
                slack.calls.clear()  # not kept: thousands of calls

    asyncio.run(main())


async def http_rows(base_url: str, ops: int) -> dict[str, dict[str, float]]:
    args: dict[str, Any] = {"channel": CHANNEL, "text": "Escalation", "blocks": BLOCKS}
    rows: dict[str, dict[str, float]] = {}
    client = web_client(TOKEN, base_url, retries=False, timeout=5)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        client.session = session

        async def service(_i: int) -> None:
            await client.chat_postMessage(**args)

        rows["slack_sdk"] = await measure(service, ops)
        body = json.dumps(args)
        headers = {
            "Authorization": f"Bearer {TOKEN}",
            "Content-Type": "application/json; charset=utf-8",
        }

        async def bare(_i: int) -> None:
            async with session.post(
                f"{base_url}chat.postMessage", data=body, headers=headers
            ) as answer:
                if not (await answer.json()).get("ok"):
                    raise RuntimeError("the stand-in refused the message")

        rows["aiohttp"] = await measure(bare, ops)
    client.session = None

    async def new_session(_i: int) -> None:
        await client.chat_postMessage(**args)

    rows["slack_sdk_no_session"] = await measure(new_session, max(ops // 3, 100))
    return rows


def per_incident_counts() -> tuple[float, float, float, str]:
    """Round trips, calls to Slack and calls to Notify per incident, activation to contact,
    from the last PostgreSQL run of activation_escalation.py."""
    run = json.loads((RESULTS / "activation_escalation.json").read_text())["postgresql"]
    before_activation = {
        "MoU override",
        "referral",
        "referral room (channel, card, triage card)",
        "threshold check and decision",
    }
    trips = sum(
        stage.get("round_trips_per_incident") or 0.0
        for name, stage in run["cpu"]["stages"].items()
        if name not in before_activation
    )
    incidents = run["incidents"] + run["baseline"]["activations"]
    # every Web API method from the first activation on (runs before 2026-12-05T08 counted
    # chat.postMessage alone, over the whole run: the referral rooms' cards too, no updates)
    calls = run.get("standin_calls_from_activation") or run["standin_calls"]
    slack = sum(n for m, n in calls.items() if not m.startswith("notify."))
    notify = sum(n for m, n in calls.items() if m.startswith("notify."))
    return round(trips, 1), round(slack / incidents, 1), round(notify / incidents, 1), run["when"]


def floors(db: dict[str, dict[str, float]], http: dict[str, dict[str, float]]) -> dict[str, Any]:
    trips, slack, notify, when = per_incident_counts()

    def floor(db_row: str, http_row: str) -> dict[str, Any]:
        # Notify's client is already a bare aiohttp session (handlers/notify/client.py)
        http_ms = slack * http[http_row]["mean_ms"] + notify * http["aiohttp"]["mean_ms"]
        ms = trips * db[db_row]["mean_ms"] + http_ms
        return {"db": db_row, "http": http_row, "ms_per_incident": round(ms, 1)}

    stacks = {"service": floor("sqlalchemy_session", "slack_sdk")}
    if "psycopg" in db:
        stacks["thin"] = floor("psycopg", "aiohttp")
        stacks["thin_pipelined"] = floor("psycopg_pipeline", "aiohttp")
    return {
        "round_trips_per_incident": trips,
        "slack_calls_per_incident": slack,
        "notify_calls_per_incident": notify,
        "counts_from_run": when,
        "target_ms_per_incident": TARGET_MS,
        "stacks": stacks,
    }


async def run(url: str, ops: int, base_url: str) -> dict[str, Any]:
    db = await database_rows(url, ops)
    http = await http_rows(base_url, ops)
    return {"db": db, "http": http, "floor": floors(db, http)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="", help="a PostgreSQL database; default SQLite")
    parser.add_argument("--ops", type=int, default=3000)
    args = parser.parse_args()
    context = mp.get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    stand_in = context.Process(target=_serve_slack, args=(ready, stop), daemon=True)
    stand_in.start()
    try:
        base_url = ready.get(timeout=30)
        with tempfile.TemporaryDirectory() as folder:
            url = args.url or f"sqlite:///{folder}/floor.db"
            result = asyncio.run(run(url, args.ops, base_url))
    finally:
        stop.set()
        stand_in.join(timeout=10)
    record = {
        "benchmark": "stack_floor",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": mp.cpu_count()},
        "database": "postgresql" if args.url else "sqlite",
        **result,
    }
    _print(record)
    (RESULTS / "stack_floor.json").write_text(json.dumps(record, indent=2) + "\n")


def _print(record: dict[str, Any]) -> None:
    for kind in ("db", "http"):
        print(f"{kind:5}{'':24}{'mean':>8}{'p50':>8}{'p95':>8}{'p99':>8}  ms of CPU per operation")
        for name, row in record[kind].items():
            cells = "".join(f"{row[k]:8.3f}" for k in ("mean_ms", "p50_ms", "p95_ms", "p99_ms"))
            print(f"     {name:24}{cells}")
    floor = record["floor"]
    print(
        f"per incident: {floor['round_trips_per_incident']} round trips, "
        f"{floor['slack_calls_per_incident']} calls to Slack, "
        f"{floor['notify_calls_per_incident']} to Notify (run of {floor['counts_from_run']})"
    )
    for name, stack in floor["stacks"].items():
        print(
            f"  {name:15} {stack['db']} + {stack['http']}: {stack['ms_per_incident']} ms "
            f"(target {floor['target_ms_per_incident']})"
        )


if __name__ == "__main__":
    main()
