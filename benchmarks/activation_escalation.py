"""500 incidents activated at once: how soon is each provider paged, and how late does each step
of the contact ladder reach people? The real service (Bolt, the use cases, the DeadlineScheduler
with its default sweep) runs in its own process with a short CIR_CONTACT_DEADLINE; the Slack and
Notify stand-ins run in another, answering at once and stamping each call on the machine-wide
monotonic clock; the driver (this process) sends signed activate-form submissions. A baseline
in the same run activates a few incidents one at a time, with nothing else going on.

    .venv/bin/python -m benchmarks.activation_escalation [--url postgresql://host/db]
        [--incidents 500] [--concurrency 50] [--baseline 10] [--deadline 20]

Without --url it uses a throw-away SQLite file; with it, a fresh database is created on that
PostgreSQL server for the run and dropped afterwards. Writes the run into benchmarks/results/
activation_escalation.json under its database's name, beside the other's latest.

Targets (issue 15): answers p99 under 0.5 s, the page p99 under 0.5 s after the decision (the
activation's commit, `notified_at`), the escalations' p99 lateness under 1 s, and at most 25 ms
of the service's CPU per incident from activation to contact made (`benchmarks.cost_meter`
says where it goes, stage by stage, with the database round trips).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import multiprocessing as mp
import os
import platform
import pstats
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from benchmarks import cost_meter
from benchmarks.cost_meter import metered
from bot.app import event_loop
from bot.app.container import build_container
from bot.app.server import build_web_app
from bot.app.settings import DEFAULT_CONFIG_DIR, load_settings
from bot.domain.clock import FakeClock
from bot.policy.load import load_policy
from bot.usecases import threshold as th
from bot.usecases.mou import OverrideMou, override_mou
from bot.usecases.referral import open_referral
from bot.views.actions import Form
from handlers.slack.app import PATH
from handlers.slack.ids import INPUT_ACTION
from handlers.slack.render.activation import ActivationInput
from handlers.tasks import BackgroundTasks
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack import signed_requests as sr
from sandbox.slack.api import FakeSlackApi, message_text
from storage.database import create_engine_for, parse_database_url
from storage.engagement_models import EngagementRow
from storage.models import DeadlineRow, IncidentRow
from tests.factories import ASSESSOR, referral_cmd
from tests.integration.activation_steps import ANSWERS

SECRET, TOKEN, ASSESSOR_USER = "bench-signing-secret", "xoxb-bench-token", "U0ASSESSOR1"
LADDER = ("contact_reminder", "contact_escalation")
ANNOUNCEMENTS = ("provider_page", "activation_email")
PAGE_TARGET_S, LATENESS_TARGET_S, ANSWER_TARGET_S = 0.5, 1.0, 0.5
CPU_TARGET_MS = 25.0  # the service's CPU per incident, referral to contact made
REFERENCE = re.compile(r"CIR-\d{4}-\d{4,}")
LEVEL = re.compile(r"Escalation level (\d+)")
RESULTS = Path(__file__).resolve().parent / "results" / "activation_escalation.json"
# where --before keeps a run of the code before the CPU cut (issue 15), beside the latest
BEFORE = {"sqlite": "sqlite_before_cost_cut", "postgresql": "postgresql_before_cost_cut"}
Post = tuple[str, int, str, float]
# provider id -> the responder who records contact made for it (Slack user, team, name)
RESPONDERS = {
    "kpmg": ("U0KPMG1", "T0KPMG", "Kim Responder"),
    "accenture": ("U0ACC1", "T0ACCENTURE", "Al Responder"),
}  # kind ("page" | "reminder" | "escalation"), level, ref, at

# --- the Slack and Notify stand-ins: one process -------------------------------------------


def _classify(text: str) -> tuple[str, int] | None:
    if "has activated Cyber Incident Response" in text:
        return "page", 0
    if "Reminder:" in text:
        return "reminder", 0
    level = LEVEL.search(text)
    return ("escalation", int(level.group(1))) if level else None


async def _standins_async(out: Any, stop: Any) -> None:
    async with FakeSlackApi() as slack, FakeNotifyApi() as notify:
        slack.add_user(ASSESSOR_USER, "T0MHCLG", ASSESSOR.name, "ada@mhclg.example")
        for user, team, name in RESPONDERS.values():  # who records contact made
            slack.add_user(user, team, name, f"{user.lower()}@provider.example")
        policy = load_policy(DEFAULT_CONFIG_DIR)
        slack.add_channel(policy.mhclg.triage_channel, "cir-triage")
        for provider in policy.providers.values():  # each paging channel, the bot invited
            slack.add_channel(provider.paging_channel, f"{provider.id}-paging")
        env = {
            "SLACK_API_URL": slack.base_url,
            "NOTIFY_API_KEY": notify.api_key,
            "NOTIFY_BASE_URL": notify.base_url,
            "NOTIFY_EMAIL_TEMPLATE_ID": notify.email_template_id,
            "NOTIFY_SMS_TEMPLATE_ID": notify.sms_template_id,
        }
        out.put(("standins", env))
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        posts: list[Post] = []
        for call in slack.calls:  # classified here: the full bodies would be a lot to pickle
            text = message_text(call.args) if call.method == "chat.postMessage" else ""
            found, ref = _classify(text), REFERENCE.search(text)
            if found and ref:
                posts.append((found[0], found[1], ref.group(0), call.at))
        calls = [(c.method, c.at) for c in slack.calls]  # every Web API call, when it came
        notified = {f"notify.{r}": notify.requests_to(r) for r in ("email", "sms")}
        out.put(("posts", posts, calls, notified, time.time() - time.monotonic()))


def _count(calls: list[tuple[str, float]], since: float = 0.0) -> Counter[str]:
    """Web API calls by method, from `since` (monotonic, as the stand-ins stamp calls)."""
    return Counter(method for method, at in calls if at >= since)


def _standins(out: Any, stop: Any) -> None:
    asyncio.run(_standins_async(out, stop))


# --- the service: one process, incidents prepared through the use cases before timing -------


async def _prepare(container: Any, n: int) -> list[tuple[str, str]]:
    """Each incident up to AWAITING_MOU with the MoU overridden, ten at a time, and the parts of
    its Slack room that activation and the ladder touch: the channel, the pinned card and the
    triage card (the topic and invitations are left out to keep the preparation short). Each
    stage is metered (its CPU and round trips, `benchmarks.cost_meter`); the room is created
    in the referral's order, before the threshold check, as the referral listener does."""
    uow, ctx, gate = container.uow, container.ctx, asyncio.Semaphore(10)

    async def one() -> tuple[str, str]:
        async with gate:
            cmd = referral_cmd(FakeClock(datetime.now(UTC)))
            with metered("referral"):
                incident = await open_referral(cmd, uow(), ctx)
            with metered("referral room (channel, card, triage card)"):
                room = container.slack.room
                await room._create_channel(
                    incident.id, str(incident.reference), incident.council_id
                )
                await room._post_card(incident.id)
                await room._post_triage(incident.id)
            with metered("threshold check and decision"):
                await th.start_threshold_check(
                    th.StartThresholdCheck(ASSESSOR, incident.id), uow(), ctx
                )
                answers = th.SubmitAnswers(ASSESSOR, incident.id, ANSWERS)
                assessment, _ = await th.submit_answers(answers, uow(), ctx)
                decision = th.RecordDecision(
                    ASSESSOR, assessment.id, "activate", "Benefits down", ""
                )
                await th.record_decision(decision, uow(), ctx)
            with metered("MoU override"):
                await override_mou(OverrideMou(ASSESSOR, incident.id, "Email down."), uow(), ctx)
            return incident.id, str(incident.reference)

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def _service_async(env: dict[str, str], n: int, out: Any, stop: Any, profile: str) -> None:
    metered_run = env.get(UNMETERED) != "1"
    container = build_container(load_settings(env))
    if metered_run:
        cost_meter.install(container.engine.sync_engine)
    tasks = BackgroundTasks()
    app = build_web_app(container, tasks)  # its scheduler sweeps every 2 s
    labels = {
        Form.CONTACT.value.encode(): "contact made",
        Form.ACTIVATE.value.encode(): "activation",
    }
    if metered_run:
        app.middlewares.append(cost_meter.form_middleware(labels, "other request"))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    started, cpu = time.perf_counter(), time.process_time()
    incidents = await _prepare(container, n)
    prepare_cpu = time.process_time() - cpu
    out.put(("service", runner.addresses[0][1], incidents, time.perf_counter() - started))
    profiler = cProfile.Profile() if profile else None
    cpu = time.process_time()
    if profiler is not None:
        profiler.enable()
    await asyncio.get_running_loop().run_in_executor(None, stop.wait)
    await tasks.drain(within=180)  # the channel lines and cards after contact made
    timed_cpu = time.process_time() - cpu
    await runner.cleanup()  # the work in flight (cards after contact) finishes first
    cleanup_cpu = time.process_time() - cpu - timed_cpu
    if profiler is not None:
        profiler.disable()
        _write_profile(profiler, profile)
    costs = cost_meter.COSTS.report(n)
    out.put(("service_cpu", prepare_cpu, timed_cpu, cleanup_cpu, costs))


def _has_py_spy() -> bool:
    return Path(sys.executable).with_name("py-spy").exists()


def _py_spy(pid: int, raw: str) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the service (its stacks, 100 a second, without pausing it), if it is
    installed beside this Python; None to fall back on cProfile inside the service."""
    if not _has_py_spy():
        return None
    exe = Path(sys.executable).with_name("py-spy")
    args = ["record", "--pid", str(pid), "--rate", "100", "--nonblocking", "--format", "raw"]
    command = [str(exe), *args, "-o", raw]  # our own venv's py-spy, our own child's pid
    return subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603


def _write_collapsed(raw: str, path: str, top: int = 45) -> None:
    """py-spy's collapsed stacks as two tables: the functions most often on the stack (total)
    and most often running themselves (own), in per cent of the samples."""
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    samples = 0
    for line in Path(raw).read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f.strip() for f in stack.split(";") if f.strip()]
        if not frames or not count.isdigit():
            continue
        n = int(count)
        samples += n
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + n
    text = io.StringIO()
    text.write(f"py-spy, {samples} samples of the service process (100/s, busy only)\n")
    for title, table in (("total (on the stack)", total), ("own (running)", own)):
        text.write(f"\n=== top {top} by {title} ===\n")
        for frame, n in sorted(table.items(), key=lambda kv: -kv[1])[:top]:
            text.write(f"{100 * n / max(samples, 1):6.1f}%  {frame}\n")
    Path(path).write_text(text.getvalue(), encoding="utf-8")


def _write_profile(profiler: cProfile.Profile, path: str) -> None:
    """The top functions by cumulative and by own time, as text the closing note can quote."""
    text = io.StringIO()
    for order in ("cumulative", "tottime"):
        text.write(f"=== top 45 by {order} ===\n")
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(order).print_stats(45)
    Path(path).write_text(text.getvalue(), encoding="utf-8")


def _service(env: dict[str, str], n: int, out: Any, stop: Any, profile: str) -> None:
    """The service on the loop it runs on in production (uvloop), except when metered: the
    per-stage meter times asyncio's own steps (`asyncio.Handle._run`), which uvloop has not."""
    main = _service_async(env, n, out, stop, profile)
    if env.get(UNMETERED) == "1":
        event_loop.run(main)
    else:
        asyncio.run(main)


# --- the driver ------------------------------------------------------------------------------


@dataclass
class Sent:
    incident_id: str
    sent: float  # monotonic, as the stand-ins stamp calls
    acked: float = 0.0
    ok: bool = False


async def _activate(session: aiohttp.ClientSession, url: str, incident_id: str) -> Sent:
    """The activate modal submitted for the on-duty provider; signed before the clock starts."""
    choice = {"type": "radio_buttons", "selected_option": {"value": "on_duty"}}
    values = {ActivationInput.PROVIDER.value: {INPUT_ACTION: choice}}
    meta = json.dumps({"incident_id": incident_id})
    body = sr.view_submission(Form.ACTIVATE.value, values, ASSESSOR_USER, private_metadata=meta)
    headers = {**sr.sign(SECRET, body), "Content-Type": sr.FORM}
    sent = Sent(incident_id, time.monotonic())
    async with session.post(url, data=body.encode(), headers=headers) as response:
        answer = await response.read()
    sent.acked, sent.ok = time.monotonic(), response.status == 200 and not answer
    return sent


async def _contact(
    session: aiohttp.ClientSession, url: str, incident_id: str, provider_id: str
) -> Sent:
    """The assigned provider's responder records contact made (by phone, now)."""
    user, team, _ = RESPONDERS[provider_id]
    values: dict[str, dict[str, dict[str, Any]]] = {
        ActivationInput.CONTACT_AT.value: {
            INPUT_ACTION: {"type": "datetimepicker", "selected_date_time": int(time.time())}
        },
        ActivationInput.METHOD.value: {
            INPUT_ACTION: {"type": "radio_buttons", "selected_option": {"value": "phone"}}
        },
        ActivationInput.NOTES.value: {
            INPUT_ACTION: {"type": "plain_text_input", "value": "Spoke to the CISO."}
        },
    }
    meta = json.dumps({"incident_id": incident_id})
    body = sr.view_submission(Form.CONTACT.value, values, user, team_id=team, private_metadata=meta)
    headers = {**sr.sign(SECRET, body), "Content-Type": sr.FORM}
    sent = Sent(incident_id, time.monotonic())
    async with session.post(url, data=body.encode(), headers=headers) as response:
        answer = await response.read()
    sent.acked, sent.ok = time.monotonic(), response.status == 200 and not answer
    return sent


async def _settled(
    engine: Any, ids: list[str], within: float, top: int = 99, kinds: tuple[str, ...] = LADDER
) -> int:
    """Wait until no deadline of `kinds` (the reminder and escalations) up to level `top` of
    these incidents is pending; returns how many still were when `within` seconds ran out."""
    query = select(func.count()).where(
        DeadlineRow.state == "pending",
        DeadlineRow.kind.in_(kinds),
        DeadlineRow.level <= top,
        DeadlineRow.incident_id.in_(ids),
    )
    end = time.monotonic() + within
    while True:
        async with engine.connect() as conn:
            pending = int((await conn.execute(query)).scalar_one())
        if pending == 0 or time.monotonic() > end:
            return pending
        await asyncio.sleep(0.5)


async def _drive(
    url: str, db_url: str, incidents: list[str], baseline: int, concurrency: int, deadline: float
) -> tuple[list[Sent], list[Sent], list[Sent], dict[str, int], list[Any], list[Any]]:
    engine = create_engine_for(parse_database_url(db_url))
    calm, burst = incidents[:baseline], incidents[baseline:]
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        calm_sent = []
        for incident_id in calm:  # one at a time, each announcement finished before the next
            calm_sent.append(await _activate(session, url, incident_id))
            await asyncio.sleep(0.5)
        # Its reminder and first escalation only: waiting for the whole ladder would add 30 s
        # to the run, and its later levels (30 firings) add nothing noticeable to the burst.
        unfired = {"baseline": await _settled(engine, calm, deadline + 15, top=1)}
        queue = list(reversed(burst))

        async def client() -> list[Sent]:
            mine = []
            while queue:
                mine.append(await _activate(session, url, queue.pop()))
            return mine

        burst_sent = [
            s for c in await asyncio.gather(*(client() for _ in range(concurrency))) for s in c
        ]
    # the last step repeats until contact: wait for the configured levels (up to 4) only
    unfired["burst"] = await _settled(engine, burst, deadline * 2.5 + 90, top=4)
    async with engine.connect() as conn:  # then contact made, by the provider paged
        rows = await conn.execute(select(EngagementRow.incident_id, EngagementRow.provider_id))
        paged = {incident_id: provider_id for incident_id, provider_id in rows}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        queue = [i for i in reversed(incidents) if i in paged]

        async def contact_client() -> list[Sent]:
            mine = []
            while queue:
                incident_id = queue.pop()
                mine.append(await _contact(session, url, incident_id, paged[incident_id]))
            return mine

        contacts = [
            s for c in await asyncio.gather(*(contact_client() for _ in range(concurrency)))
            for s in c
        ]  # fmt: skip
    # every page and council email sent too, so the CPU counted is each incident's whole cost
    unfired["announcements"] = await _settled(engine, incidents, 120, kinds=ANNOUNCEMENTS)
    async with engine.connect() as conn:
        deadlines = list(
            await conn.execute(
                select(IncidentRow.reference, DeadlineRow.kind, DeadlineRow.level,
                       DeadlineRow.due_at, DeadlineRow.fired_at, DeadlineRow.attempts)
                .join(IncidentRow, IncidentRow.id == DeadlineRow.incident_id)
                .where(DeadlineRow.kind.in_(LADDER), DeadlineRow.incident_id.in_(incidents))
            )
        )  # fmt: skip
        decided = list(
            await conn.execute(
                select(IncidentRow.reference, EngagementRow.notified_at).join(
                    IncidentRow, IncidentRow.id == EngagementRow.incident_id
                )
            )
        )
    await engine.dispose()
    return calm_sent, burst_sent, contacts, unfired, deadlines, decided


# --- figures ---------------------------------------------------------------------------------


def _summary(seconds: list[float]) -> dict[str, float | int]:
    data = sorted(s * 1000 for s in seconds)
    if len(data) < 2:
        return {"n": len(data), **({"max_ms": round(data[0], 1)} if data else {})}
    cuts = statistics.quantiles(data, n=100, method="inclusive")
    return {
        "n": len(data),
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "max_ms": round(data[-1], 1),
    }


def _figures(
    sent: list[Sent], refs: dict[str, str], posts: list[Post], offset: float, deadlines: list[Any],
    decided: dict[str, datetime], top: int = 99,
) -> dict[str, Any]:  # fmt: skip
    """`offset` turns the stand-ins' monotonic stamps into wall time, the clock due_at uses.
    A step's lateness is counted to its first message the stand-ins received and, apart, to its
    `fired_at` (stamped after its last route, just before its commit)."""
    mine = {refs[s.incident_id]: s for s in sent}
    first: dict[tuple[str, str, int], float] = {}
    last: dict[tuple[str, str, int], float] = {}
    for kind, level, ref, at in posts:
        key = (ref, kind, level)
        first[key], last[key] = min(first.get(key, at), at), max(last.get(key, at), at)
    paged = {
        ref: (first[(ref, "page", 0)], s) for ref, s in mine.items() if (ref, "page", 0) in first
    }
    late: dict[str, list[float]] = {"reminder": [], "escalation": [], "fired_at": [], "span": []}
    by_level: dict[int, list[float]] = {}
    for ref, kind, level, due_at, fired_at, _ in deadlines:
        step = "reminder" if kind == "contact_reminder" else "escalation"
        if ref not in mine or level > top or (posted := first.get((ref, step, level))) is None:
            continue
        late[step].append(posted + offset - due_at.timestamp())
        if step == "escalation":
            by_level.setdefault(level, []).append(late[step][-1])
            late["span"].append(last[(ref, step, level)] - posted)
            if fired_at is not None:
                late["fired_at"].append((fired_at - due_at).total_seconds())
    decisions = [decided[ref].timestamp() for ref in mine if ref in decided]
    return {
        "activations": len(sent),
        "refused_or_failed": sum(1 for s in sent if not s.ok),
        "decisions_spread_s": round(max(decisions) - min(decisions), 1) if decisions else None,
        "ack": _summary([s.acked - s.sent for s in sent]),
        "page_after_send": _summary([at - s.sent for at, s in paged.values()]),
        "page_after_decision": _summary(
            [at + offset - decided[ref].timestamp() for ref, (at, _) in paged.items()]
        ),
        "pages_missing": len(mine) - len(paged),
        "reminder_lateness": _summary(late["reminder"]),
        "escalation_lateness_first_delivery": _summary(late["escalation"]),
        "escalation_lateness_fired_at": _summary(late["fired_at"]),
        "escalation_first_delivery_p99_ms_by_level": {
            str(k): _summary(v).get("p99_ms") for k, v in sorted(by_level.items())
        },
        "escalation_first_to_last_delivery": _summary(late["span"]),
        "retried_deadlines": sum(1 for d in deadlines if d[0] in mine and d[5] > 1),
    }


@contextmanager
def _database(url: str) -> Iterator[str]:
    """A throw-away SQLite file, or a fresh database on the given PostgreSQL server."""
    if not url:
        with tempfile.TemporaryDirectory() as scratch:
            yield f"sqlite:///{scratch}/bench.db"
        return
    server = make_url(url).set(drivername="postgresql")
    name = f"cir_bench_{uuid.uuid4().hex[:8]}"
    admin = server.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The meter (a thread-time read around every step of the loop, a context lookup per statement)
# costs the service CPU of its own: a run without it gives the process's CPU as deployed.
UNMETERED = "CIR_BENCH_UNMETERED"


def run(
    url: str,
    n: int,
    concurrency: int,
    baseline: int,
    deadline: float,
    profile: str = "",
    unmetered: bool = False,
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out, stop_standins, stop_service = ctx.Queue(), ctx.Event(), ctx.Event()
    standins = ctx.Process(target=_standins, args=(out, stop_standins), daemon=True)
    standins.start()
    _, env = out.get(timeout=60)
    with _database(url) as db_url:
        env |= {
            "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
            "CIR_CONTACT_DEADLINE": f"{deadline:g}s", "CIR_TIMELINE_KEY": "benchmark-" + "k" * 32,
            UNMETERED: "1" if unmetered else "0",
        }  # fmt: skip
        service = ctx.Process(
            target=_service,
            args=(env, baseline + n, out, stop_service, "" if _has_py_spy() else profile),
        )
        service.start()
        _, port, incidents, prepare_s = out.get(timeout=1800)  # a loaded machine
        handle, raw = tempfile.mkstemp(suffix=".raw")
        os.close(handle)
        spy = _py_spy(service.pid or 0, raw) if profile else None
        try:
            endpoint = f"http://127.0.0.1:{port}{PATH}"
            ids = [i for i, _ in incidents]
            calm, burst, contacts, unfired, deadlines, decided = asyncio.run(
                _drive(endpoint, db_url, ids, baseline, concurrency, deadline)
            )
        finally:
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
                _write_collapsed(raw, profile)
                print(f"py-spy's collapsed stacks kept in {raw}")
            else:
                Path(raw).unlink(missing_ok=True)
            stop_service.set()
        _, prepare_cpu, timed_cpu, cleanup_cpu, costs = out.get(
            timeout=600
        )  # the service drains its work first
        service.join(timeout=60)
    stop_standins.set()
    _, posts, calls, notified, offset = out.get(timeout=60)
    standins.join(timeout=30)
    refs, when = dict(incidents), {ref: at for ref, at in decided}
    first_sent = min(s.sent for s in calm + burst)
    result = {
        "benchmark": "activation_escalation",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "database": "postgresql" if url else "sqlite",
        "incidents": n, "concurrency": concurrency, "contact_deadline_s": deadline,
        "sweep_s": 2.0, "prepare_s": round(prepare_s, 1),
        "baseline": _figures(calm, refs, posts, offset, deadlines, when, top=1),
        "burst": _figures(burst, refs, posts, offset, deadlines, when),
        "unfired_after_wait": unfired,
        "contact_made": {
            "recorded": sum(1 for c in contacts if c.ok),
            "ack": _summary([c.acked - c.sent for c in contacts]),
        },
        "service_cpu_s": round(timed_cpu + cleanup_cpu, 1),
        "cpu": _cpu(prepare_cpu, timed_cpu + cleanup_cpu, baseline + n, costs),
        "standin_calls": {"chat.postMessage": _count(calls)["chat.postMessage"]} | notified,
        # from the first activation sent on: the calls of activation to contact (the referral
        # rooms' channels, cards and triage cards were made before)
        "standin_calls_from_activation": dict(_count(calls, since=first_sent)) | notified,
    }  # fmt: skip
    page_p99 = result["burst"]["page_after_decision"].get("p99_ms", float("inf"))
    late_p99 = result["burst"]["escalation_lateness_first_delivery"].get("p99_ms", float("inf"))
    answers = [s.acked - s.sent for s in burst] + [c.acked - c.sent for c in contacts]
    answer_p99 = _summary(answers).get("p99_ms", float("inf"))
    result["targets"] = {
        "answer_p99_ms": ANSWER_TARGET_S * 1000,
        "page_p99_after_decision_ms": PAGE_TARGET_S * 1000,
        "escalation_lateness_p99_ms": LATENESS_TARGET_S * 1000,
        "cpu_ms_per_incident": CPU_TARGET_MS,
        "answers_p99_ms": answer_p99,
        "answer_met": answer_p99 < ANSWER_TARGET_S * 1000,
        "page_met": page_p99 < PAGE_TARGET_S * 1000,
        "escalation_met": late_p99 < LATENESS_TARGET_S * 1000,
        "cpu_met": result["cpu"]["met"],
    }
    return result


def _cpu(prepare: float, timed: float, n: int, costs: dict[str, Any]) -> dict[str, Any]:
    """The service process's CPU per incident: from activation to contact made (every firing,
    sweep, card and channel line included; the issue's "today about 100 ms" and its 25 ms
    target), the preparation before it (referral to MoU), and by stage (`cost_meter`)."""
    timed_ms = timed * 1000 / n
    return {
        "activation_to_contact_ms_per_incident": round(timed_ms, 1),
        "referral_to_mou_ms_per_incident": round(prepare * 1000 / n, 1),
        "referral_to_contact_ms_per_incident": round((prepare + timed) * 1000 / n, 1),
        "target_ms_per_incident": CPU_TARGET_MS,
        "met": timed_ms <= CPU_TARGET_MS,
        "stages": costs,
    }


def _table(result: dict[str, Any]) -> str:
    head = ("n", "p50", "p95", "p99", "max")
    rows = [f"{'(ms)':44}" + "".join(f"{h:>9}" for h in head)]
    for group in ("baseline", "burst"):
        for name, s in result[group].items():
            if isinstance(s, dict) and "n" in s:
                cells = [s.get(k, float("nan")) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
                label = f"{group}: {name}"
                rows.append(f"{label:44}{s['n']:9d}" + "".join(f"{c:9.0f}" for c in cells))
    contact = result["contact_made"]["ack"]
    cells = [contact.get(k, float("nan")) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
    rows.append(f"{'contact made: ack':44}{contact['n']:9d}" + "".join(f"{c:9.0f}" for c in cells))
    cpu = result["cpu"]
    rows.append(f"\n{'CPU per incident (ms) / round trips':44}{'cpu':>9}{'trips':>9}{'units':>9}")
    for name, s in cpu["stages"].items():
        trips = s.get("round_trips_per_incident", s.get("statements_per_incident", 0))
        units = s.get("units", 0)
        rows.append(f"{name:44}{s['cpu_ms_per_incident']:9.2f}{trips:9.2f}{units:9d}")
    timed, prepared = (
        cpu["activation_to_contact_ms_per_incident"],
        cpu["referral_to_mou_ms_per_incident"],
    )
    rows.append(
        f"CPU per incident: activation to contact made {timed} ms "
        f"(target {cpu['target_ms_per_incident']}); referral to MoU {prepared} ms"
    )
    rows.append(f"targets: {result['targets']}; unfired: {result['unfired_after_wait']}")
    return "\n".join(rows)


def main() -> None:
    argv = sys.argv[1:]
    at = argv.index("--mode") + 1 if "--mode" in argv else len(argv)
    if "--mode=contract" in argv or argv[at : at + 1] == ["contract"]:
        from benchmarks.activation_contract import main as contract  # a scaled 30-minute clock

        return contract(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=("burst", "contract"), default="burst",
                        help="contract: see benchmarks/activation_contract.py")  # fmt: skip
    parser.add_argument("--url", default="", help="a PostgreSQL server; default SQLite")
    parser.add_argument("--incidents", type=int, default=500, help="activated at once")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent clients")
    parser.add_argument("--baseline", type=int, default=10, help="activated one at a time")
    parser.add_argument("--deadline", type=float, default=20.0, help="contact deadline, s")
    parser.add_argument(
        "--profile",
        default="",
        help="profile the service (py-spy if installed, else cProfile) into this text file; "
        "the run's figures are not recorded",
    )
    parser.add_argument(
        "--before", action="store_true", help="also keep this run as the before-figures"
    )
    parser.add_argument(
        "--unmetered",
        action="store_true",
        help="without the per-stage meter (its own CPU left out); kept under '<database>_"
        "unmetered', beside the metered run",
    )
    args = parser.parse_args()
    result = run(
        args.url,
        args.incidents,
        args.concurrency,
        args.baseline,
        args.deadline,
        args.profile,
        args.unmetered,
    )
    if args.unmetered:
        result["metered"] = False
    # the meter needs asyncio's own loop; unmetered, the service runs as served (uvloop)
    result["event_loop"] = "asyncio" if not args.unmetered else event_loop.loop_factory().__module__
    print(_table(result))
    if args.profile:  # profiling slows the service: its figures are not the service's
        print(f"profile written to {args.profile}; figures not recorded")
        return
    runs = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    # the latest run on each database, side by side; the other entries (the figures before a
    # change, kept for comparison) stay as they are
    key = result["database"] + ("_unmetered" if args.unmetered else "")
    runs[key] = result
    if args.before:  # the code before a change, kept beside the latest for comparison
        runs[BEFORE[result["database"]]] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS} under {key!r}")


if __name__ == "__main__":
    main()
