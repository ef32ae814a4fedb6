"""The activation benchmark's second mode, honest about the contract: 500 incidents activated at
once, then the contact ladder as it runs with the real 30-minute deadline, after the burst, not
squeezed into it. The service's clock is scaled (CIR_SPEED, bot.domain.clock.ScaledClock) and
CIR_CONTACT_DEADLINE keeps its real 30 minutes, so the reminder (20 minutes) and the four
escalations (30, 45, 60, 75) fall due as they would, `--speed` times sooner in real time. Forms
are pressed through it all: a "Start threshold check" on a fresh referral every `--press-every`
seconds, during the burst and during the steady load that follows it (activations at `--rate`
a second while the burst's ladder fires, until it has settled), each press's form counted as
on time, late (after its trigger id's 3 s, which Slack refuses) or never (not within 20 s).

    .venv/bin/python -m benchmarks.activation_escalation --mode contract [--url postgresql://…]
        [--incidents 500] [--concurrency 50] [--baseline 10] [--speed 40] [--rate 1]
        [--press-every 0.5]

Lateness is in real milliseconds: what the machine adds to a due time, the figure a real
deployment would show for the same burst (a service-time lateness is it times `--speed`). Rows,
each n, p50, p95, p99 and max, for the baseline (one at a time), the burst and the steady load:

| row | from | to |
| --- | --- | --- |
| `ack`, `page_after_decision` | as in burst mode | |
| `reminder_lateness`, `escalation_lateness_first_delivery` | a step's `due_at` | its first post |
| `escalation_lateness_fired_at` | `due_at` | `fired_at` |
| `card_refresh_after_decision` | the activation's commit | the card's first update after it |
| `channel_line_after_decision` | the activation's commit | "… activated: … paged" in its channel |
| `council_email_lateness` | the activation email's `due_at` | the council's email reaching Notify |
| `forms.press_to_form` | sending the press | its `views.open` reaching the Slack stand-in |

Written into benchmarks/results/activation_escalation.json under "contract", then the database's
name, beside the burst mode's figures (which this mode leaves alone).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import select

from benchmarks.activation_escalation import (
    ASSESSOR_USER,
    LADDER,
    LEVEL,
    REFERENCE,
    RESULTS,
    SECRET,
    TOKEN,
    Sent,
    _activate,
    _database,
    _prepare,
    _settled,
    _summary,
)
from bot.app import event_loop
from bot.app.container import build_container
from bot.app.server import build_web_app
from bot.app.settings import DEFAULT_CONFIG_DIR, load_settings
from bot.domain.clock import FakeClock, ScaledClock
from bot.policy.load import load_policy
from bot.usecases.referral import open_referral
from bot.views.actions import Action
from handlers.slack.app import PATH
from handlers.tasks import BackgroundTasks
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack import signed_requests as sr
from sandbox.slack.api import FakeSlackApi, message_text
from storage.database import create_engine_for, parse_database_url
from storage.engagement_models import EngagementRow
from storage.models import DeadlineRow, IncidentRow
from tests.factories import referral_cmd

SPEED = 40.0  # 20 service minutes (the reminder) are 30 real seconds: after a 500-burst here
TRIGGER_S, NEVER_S = 3.0, 20.0  # Slack refuses a trigger id after 3 s; the 20 s
STEPS = (("reminder", 0), *(("escalation", n) for n in range(1, 5)))
Stamp = tuple[str, str, int, float]  # kind, incident reference, level, monotonic at

# --- the stand-ins: every call classified and stamped on the machine-wide monotonic clock ----


class _StampedSent(list[dict[str, Any]]):
    """Notify's record of what it accepted, each entry stamped when it arrived."""

    def append(self, item: dict[str, Any]) -> None:
        super().append({**item, "at": time.monotonic()})


def _slack_stamps(slack: FakeSlackApi, triage: str, paging: set[str]) -> list[Stamp]:
    names = {cid: c.name for cid, c in slack.workspace.channels.items()}
    stamps: list[Stamp] = []
    for call in slack.calls:
        channel = str(call.args.get("channel", ""))
        text = message_text(call.args) if call.method.startswith("chat.") else ""
        found = REFERENCE.search(text) or REFERENCE.search(names.get(channel, "").upper())
        ref = found.group(0) if found else ""
        if call.method == "views.open":
            stamps.append(("form", str(call.args.get("trigger_id", "")), 0, call.at))
        elif call.method == "chat.update" and ref:
            stamps.append(("triage_card" if channel == triage else "card", ref, 0, call.at))
        elif call.method == "chat.postMessage" and ref:
            level = LEVEL.search(text)
            if channel in paging and "has activated Cyber Incident Response" in text:
                stamps.append(("page", ref, 0, call.at))
            elif "Reminder:" in text:
                stamps.append(("reminder", ref, 0, call.at))
            elif level:
                stamps.append(("escalation", ref, int(level.group(1)), call.at))
            elif " activated: " in text and "paged" in text:
                stamps.append(("channel_line", ref, 0, call.at))
    return stamps


async def _standins_async(out: Any, stop: Any) -> None:
    async with FakeSlackApi() as slack, FakeNotifyApi() as notify:
        notify.sent = _StampedSent()
        slack.add_user(ASSESSOR_USER, "T0MHCLG", "Ada Assessor", "ada@mhclg.example")
        policy = load_policy(DEFAULT_CONFIG_DIR)
        triage = policy.mhclg.triage_channel
        slack.add_channel(triage, "cir-triage")
        paging = {p.paging_channel for p in policy.providers.values()}
        for provider in policy.providers.values():
            slack.add_channel(provider.paging_channel, f"{provider.id}-paging")
        out.put(
            (
                "standins",
                {
                    "SLACK_API_URL": slack.base_url,
                    "NOTIFY_API_KEY": notify.api_key,
                    "NOTIFY_BASE_URL": notify.base_url,
                    "NOTIFY_EMAIL_TEMPLATE_ID": notify.email_template_id,
                    "NOTIFY_SMS_TEMPLATE_ID": notify.sms_template_id,
                },
            )
        )
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        stamps = _slack_stamps(slack, triage, paging)
        for sent in notify.sent:
            subject = str(sent["content"].get("subject") or "")
            if sent["route"] == "email" and subject.endswith("Cyber Incident Response activated"):
                stamps.append(("council_email", str(sent["reference"]), 0, sent["at"]))
        out.put(("stamps", stamps))


def _standins(out: Any, stop: Any) -> None:
    asyncio.run(_standins_async(out, stop))


# --- the service ---------------------------------------------------------------------------


async def _referrals(container: Any, n: int) -> list[str]:
    """Fresh referrals with their channel and card: what a "Start threshold check" is pressed
    on right after the card appeared."""
    uow, ctx, room, gate = container.uow, container.ctx, container.slack.room, asyncio.Semaphore(10)

    async def one() -> str:
        async with gate:
            incident = await open_referral(referral_cmd(FakeClock(datetime.now(UTC))), uow(), ctx)
            await room._create_channel(incident.id, str(incident.reference), incident.council_id)
            await room._post_card(incident.id)
            return str(incident.id)

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def _service_async(env: dict[str, str], sizes: tuple[int, int], out: Any, stop: Any) -> None:
    container = build_container(load_settings(env))
    runner = web.AppRunner(build_web_app(container, BackgroundTasks()))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    activations, presses = sizes
    incidents = await _prepare(container, activations)
    referrals = await _referrals(container, presses)
    clock = container.ctx.clock
    assert isinstance(clock, ScaledClock)  # CIR_SPEED: its start and the instant it began
    mapping = (clock._start.timestamp(), clock._wall_start, clock.speed)
    out.put(("service", runner.addresses[0][1], incidents, referrals, mapping))
    await asyncio.get_running_loop().run_in_executor(None, stop.wait)
    await runner.cleanup()


def _service(env: dict[str, str], sizes: tuple[int, int], out: Any, stop: Any) -> None:
    """The service on the loop it is served on (uvloop): this mode has no per-stage meter."""
    event_loop.run(_service_async(env, sizes, out, stop))


# --- the driver ----------------------------------------------------------------------------


async def _press(session: aiohttp.ClientSession, url: str, incident_id: str) -> tuple[str, float]:
    trigger = f"bench.{incident_id}"
    body = sr.block_actions(
        Action.START_THRESHOLD_CHECK.value, incident_id, user_id=ASSESSOR_USER, trigger_id=trigger
    )
    headers = {**sr.sign(SECRET, body), "Content-Type": sr.FORM}
    sent = time.monotonic()
    async with session.post(url, data=body.encode(), headers=headers) as response:
        await response.read()
    return trigger, sent


class _Presser:
    """A press every `every` seconds on the next fresh referral, until stopped."""

    def __init__(self, session: aiohttp.ClientSession, url: str, targets: list[str], every: float):
        self.session, self.url, self.targets, self.every = session, url, targets, every
        self.pressed: dict[str, list[tuple[str, float]]] = {}

    async def run(self, phase: str, until: asyncio.Event) -> None:
        mine = self.pressed.setdefault(phase, [])
        pending: set[asyncio.Task[tuple[str, float]]] = set()
        while not until.is_set() and self.targets:
            task = asyncio.ensure_future(self._one(self.targets.pop()))
            pending.add(task)
            task.add_done_callback(lambda t: mine.append(t.result()) if not t.exception() else None)
            try:
                await asyncio.wait_for(until.wait(), self.every)
            except TimeoutError:
                pass
        if pending:
            await asyncio.wait(pending)

    async def _one(self, incident_id: str) -> tuple[str, float]:
        return await _press(self.session, self.url, incident_id)


async def _burst(
    session: aiohttp.ClientSession, url: str, ids: list[str], concurrency: int
) -> list[Sent]:
    queue = list(reversed(ids))

    async def client() -> list[Sent]:
        mine = []
        while queue:
            mine.append(await _activate(session, url, queue.pop()))
        return mine

    return [s for c in await asyncio.gather(*(client() for _ in range(concurrency))) for s in c]


async def _steady(
    session: aiohttp.ClientSession, url: str, ids: list[str], rate: float, until: asyncio.Event
) -> list[Sent]:
    """One activation every 1/rate seconds, whether or not the last was answered, until told."""
    tasks = []
    for incident_id in ids:
        if until.is_set():
            break
        tasks.append(asyncio.ensure_future(_activate(session, url, incident_id)))
        try:
            await asyncio.wait_for(until.wait(), 1 / rate)
        except TimeoutError:
            pass
    return list(await asyncio.gather(*tasks))


async def _drive(
    url: str, db_url: str, incidents: list[str], referrals: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    engine = create_engine_for(parse_database_url(db_url))
    calm = incidents[: args.baseline]
    burst = incidents[args.baseline : args.baseline + args.incidents]
    steady = incidents[args.baseline + args.incidents :]
    ladder_s = 75 * 60 / args.speed  # the last configured escalation, in real seconds
    connector = aiohttp.TCPConnector(limit=args.concurrency + 20)
    async with aiohttp.ClientSession(connector=connector) as session:
        presser = _Presser(session, url, list(referrals), args.press_every)
        calm_sent = []
        for incident_id in calm:
            calm_sent.append(await _activate(session, url, incident_id))
            await asyncio.sleep(0.5)
        done = asyncio.Event()
        pressing = asyncio.ensure_future(presser.run("burst", done))
        burst_sent = await _burst(session, url, burst, args.concurrency)
        done.set()
        await pressing
        burst_ended = time.monotonic()
        # the steady load runs while the burst's ladder fires, until it has settled
        done = asyncio.Event()
        pressing = asyncio.ensure_future(presser.run("steady", done))
        steadily = asyncio.ensure_future(_steady(session, url, steady, args.rate, done))
        timed = calm + burst
        unfired = {"baseline_and_burst": await _settled(engine, timed, ladder_s + 60, top=4)}
        done.set()
        await pressing
        steady_sent = await steadily
    async with engine.connect() as conn:
        deadlines = list(
            await conn.execute(
                select(IncidentRow.reference, DeadlineRow.kind, DeadlineRow.level,
                       DeadlineRow.due_at, DeadlineRow.fired_at)
                .join(IncidentRow, IncidentRow.id == DeadlineRow.incident_id)
                .where(DeadlineRow.incident_id.in_(incidents),
                       DeadlineRow.kind.in_((*LADDER, "activation_email")))
            )
        )  # fmt: skip
        decided = list(
            await conn.execute(
                select(IncidentRow.id, IncidentRow.reference, EngagementRow.notified_at).join(
                    IncidentRow, IncidentRow.id == EngagementRow.incident_id
                )
            )
        )
    await engine.dispose()
    return {
        "sent": {"baseline": calm_sent, "burst": burst_sent, "steady": steady_sent},
        "pressed": presser.pressed,
        "burst_ended": burst_ended,
        "unfired": unfired,
        "deadlines": deadlines,
        "decided": decided,
    }


# --- figures -------------------------------------------------------------------------------


class _Clock:
    """Service time (the scaled clock's datetimes) to the machine's monotonic seconds."""

    def __init__(self, mapping: tuple[float, float, float]):
        self.start, self.wall_start, self.speed = mapping

    def real(self, when: datetime) -> float:
        return self.wall_start + (when.timestamp() - self.start) / self.speed


def _first_after(times: Iterable[float], after: float) -> float | None:
    later = [t for t in times if t >= after]
    return min(later) if later else None


def _after_decisions(
    rows: dict[str, list[float]], mine: set[str], notified: dict[str, float],
    stamps: dict[tuple[str, str], list[float]],
) -> None:  # fmt: skip
    """What each activation's commit sets off: the page, the card's refresh, the channel line."""
    for ref in mine:
        at = notified.get(ref)
        if at is None:
            continue
        for row, kind in (
            ("page_after_decision", "page"),
            ("card_refresh_after_decision", "card"),
            ("channel_line_after_decision", "channel_line"),
        ):
            if (first := _first_after(stamps.get((kind, ref), []), at - 0.05)) is not None:
                rows[row].append(first - at)


def _figures(
    sent: list[Sent], run: dict[str, Any], stamps: dict[tuple[str, str], list[float]],
    clock: _Clock,
) -> dict[str, Any]:  # fmt: skip
    refs = {i: r for i, r, _ in run["decided"]}
    notified = {r: clock.real(at) for _, r, at in run["decided"]}
    mine = {refs[s.incident_id] for s in sent if s.incident_id in refs}
    rows: dict[str, list[float]] = {k: [] for k in (
        "page_after_decision", "card_refresh_after_decision", "channel_line_after_decision",
        "council_email_lateness", "reminder_lateness", "escalation_lateness_first_delivery",
        "escalation_lateness_fired_at",
    )}  # fmt: skip
    _after_decisions(rows, mine, notified, stamps)
    for ref, kind, level, due_at, fired_at in run["deadlines"]:
        if ref not in mine:
            continue
        due = clock.real(due_at)
        if kind == "activation_email":
            if (first := _first_after(stamps.get(("council_email", ref), []), 0)) is not None:
                rows["council_email_lateness"].append(first - due)
            continue
        step = "reminder" if kind == "contact_reminder" else "escalation"
        if level > 4:
            continue
        key = "reminder" if step == "reminder" else f"escalation{level}"
        if posted := stamps.get((key, ref), []):
            row = (
                "reminder_lateness" if step == "reminder" else "escalation_lateness_first_delivery"
            )
            rows[row].append(min(posted) - due)
        if step == "escalation" and fired_at is not None:
            late = (fired_at - due_at).total_seconds() / clock.speed
            rows["escalation_lateness_fired_at"].append(late)
    result: dict[str, Any] = {
        "activations": len(sent),
        "refused_or_failed": sum(1 for s in sent if not s.ok),
        "ack": _summary([s.acked - s.sent for s in sent]),
    }
    result |= {row: _summary(values) for row, values in rows.items()}
    result["pages_missing"] = len(mine) - len(rows["page_after_decision"])
    return result


def _forms(pressed: list[tuple[str, float]], opened: dict[str, float]) -> dict[str, Any]:
    waits = [opened[t] - s for t, s in pressed if t in opened]
    return {
        "presses": len(pressed),
        "press_to_form": _summary(waits),
        "late": sum(1 for w in waits if TRIGGER_S < w <= NEVER_S),
        "never": len(pressed) - sum(1 for w in waits if w <= NEVER_S),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out, stop_standins, stop_service = ctx.Queue(), ctx.Event(), ctx.Event()
    standins = ctx.Process(target=_standins, args=(out, stop_standins), daemon=True)
    standins.start()
    _, env = out.get(timeout=60)
    ladder_s = 75 * 60 / args.speed
    steady = int(args.rate * (ladder_s + 60))
    activations = args.baseline + args.incidents + steady
    presses = int((40 + ladder_s + 60) / args.press_every)
    with _database(args.url) as db_url:
        env |= {
            "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
            "CIR_CONTACT_DEADLINE": "30m", "CIR_SPEED": f"{args.speed:g}",
            "CIR_TIMELINE_KEY": "benchmark-" + "k" * 32,
        }  # fmt: skip
        service = ctx.Process(
            target=_service, args=(env, (activations, presses), out, stop_service)
        )
        service.start()
        _, port, incidents, referrals, mapping = out.get(timeout=900)
        try:
            endpoint = f"http://127.0.0.1:{port}{PATH}"
            ids = [i for i, _ in incidents]
            driven = asyncio.run(_drive(endpoint, db_url, ids, referrals, args))
        finally:
            stop_service.set()
        service.join(timeout=60)
    stop_standins.set()
    _, raw = out.get(timeout=60)
    standins.join(timeout=30)
    stamps: dict[tuple[str, str], list[float]] = {}
    opened: dict[str, float] = {}
    for kind, ref, level, at in raw:
        if kind == "form":
            opened[ref] = min(opened.get(ref, at), at)
            continue
        key = f"escalation{level}" if kind == "escalation" else kind
        stamps.setdefault((key, ref), []).append(at)
    clock = _Clock(mapping)
    reminders = [clock.real(d[3]) for d in driven["deadlines"] if d[1] == "contact_reminder"]
    figures = {
        phase: _figures(sent, driven, stamps, clock) | {
            "forms": _forms(driven["pressed"].get(phase, []), opened)
        }
        for phase, sent in driven["sent"].items()
    }  # fmt: skip
    return {
        "benchmark": "activation_escalation --mode contract",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average_at_end": [round(x, 1) for x in os.getloadavg()]},
        "database": "postgresql" if args.url else "sqlite",
        "incidents": args.incidents, "concurrency": args.concurrency, "baseline": args.baseline,
        "speed": args.speed, "contact_deadline_service_min": 30,
        "steady_rate_per_s": args.rate,
        "press_every_s": args.press_every,
        # honest only if the ladder starts once the burst is over, as 30 minutes would
        "ladder_after_burst": bool(reminders) and min(reminders) > driven["burst_ended"],
        "first_reminder_after_burst_end_s": round(min(reminders) - driven["burst_ended"], 1)
        if reminders else None,
        **figures,
        "unfired_after_wait": driven["unfired"],
        "service_lateness_note": "real ms; times `speed` for the service clock's lateness",
    }  # fmt: skip


def _table(result: dict[str, Any]) -> str:
    head = ("n", "p50", "p95", "p99", "max")
    rows = [f"{'(ms, real time)':48}" + "".join(f"{h:>9}" for h in head)]
    for phase in ("baseline", "burst", "steady"):
        group = result[phase]
        items = [*group.items(), ("forms.press_to_form", group["forms"]["press_to_form"])]
        for name, s in items:
            if isinstance(s, dict) and "n" in s:
                cells = [s.get(k, float("nan")) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
                rows.append(
                    f"{phase + ': ' + name:48}{s['n']:9d}" + "".join(f"{c:9.0f}" for c in cells)
                )
        forms = group["forms"]
        rows.append(
            f"{phase}: forms {forms['presses']} pressed, {forms['late']} late, "
            f"{forms['never']} never"
        )
    rows.append(f"ladder after the burst: {result['ladder_after_burst']} "
                f"(first reminder {result['first_reminder_after_burst_end_s']} s after its end); "
                f"unfired: {result['unfired_after_wait']}")  # fmt: skip
    return "\n".join(rows)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--mode", choices=("contract",), default="contract")
    p.add_argument("--url", default="", help="a PostgreSQL server; default SQLite")
    p.add_argument("--incidents", type=int, default=500, help="activated at once")
    p.add_argument("--concurrency", type=int, default=50, help="concurrent clients")
    p.add_argument("--baseline", type=int, default=10, help="activated one at a time")
    p.add_argument("--speed", type=float, default=SPEED, help="the service clock's speed")
    p.add_argument("--rate", type=float, default=1.0, help="steady activations a second")
    p.add_argument("--press-every", type=float, default=0.5, help="seconds between presses")
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    result = run(args)
    result["event_loop"] = event_loop.loop_factory().__module__  # the service's, as served
    print(_table(result))
    runs = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    contract = runs.get("contract")
    runs["contract"] = {
        **(contract if isinstance(contract, dict) else {}),
        result["database"]: result,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS} under 'contract' / {result['database']!r}")


if __name__ == "__main__":
    main()
