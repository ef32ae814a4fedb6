"""How fast does the service answer a card button on Teams? Teams waits for the HTTP answer to
an `adaptiveCard/action` invoke (the card shown in place of the one pressed) and gives up after
a few seconds; this measures send-to-HTTP-response latency over real HTTP on localhost, in one
run, for:

    ours         the whole service: the Bot Framework token checked (keys from the OpenID
                 metadata stand-in), the activity parsed, its id claimed against replays
                 (a row), the responder found by tenant and conversation, the incident read
                 and the status update form rendered as the answer (`Action.Execute`,
                 verb post_update, as Teams sends it)
    ours_note    the whole service recording a timeline note from the note form's submit (a
                 write: the replay claim, the note and its keyed timeline event, then the
                 refreshed incident card as the answer)
    bare_invoke  a bare botbuilder bot (BotFrameworkAdapter + ActivityHandler) answering the
                 same invoke with a fixed card, authenticating as botbuilder does
    bare_message the same bare bot answering a message activity (it says nothing back)

Every request carries a Bot Framework token signed by the stand-in's key, as Teams sends them.

    .venv/bin/python -m benchmarks.teams_ack [--requests 500] [--concurrency 10] [--batch 50]

Batches rotate between the servers as in benchmarks/slack_ack.py, so machine noise falls on
all of them. Writes benchmarks/results/teams_ack.json. Target: our p95 at most 1.5 x the bare
invoke's p95 (the Slack edge's target beside a bare Bolt app).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import multiprocessing as mp
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import (
    ActivityHandler,
    BotFrameworkAdapter,
    BotFrameworkAdapterSettings,
    TurnContext,
)
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue
from sqlalchemy import update

from benchmarks.slack_ack import _percentiles
from bot.app.container import build_container
from bot.app.server import build_web_app
from bot.app.settings import load_settings
from bot.domain.actors import Actor, OrgKind
from bot.domain.bindings import Platform
from bot.domain.conversations import ConversationType
from bot.domain.states import State
from bot.policy.model import TeamsPlace
from bot.usecases.conversations import Seen, learn_conversation
from bot.usecases.referral import OpenReferral, open_referral
from handlers.tasks import BackgroundTasks
from sandbox.teams import activities
from sandbox.teams.standins import TeamsStandIns
from storage.models import IncidentRow

OURS, OURS_NOTE = "ours", "ours_note"
BARE_INVOKE, BARE_MESSAGE = "bare_invoke", "bare_message"
KINDS = (OURS, OURS_NOTE, BARE_INVOKE, BARE_MESSAGE)
TARGET_RATIO = 1.5
WARMUP = 50
PATH = "/api/messages"
TENANT = "22222222-2222-4222-8222-222222222222"  # KPMG's Microsoft 365 tenant here
RESULTS = Path(__file__).resolve().parent / "results" / "teams_ack.json"
ASSESSOR = Actor("slack:T0MHCLG:U0ASSESSOR1", "Ada Assessor", OrgKind.MHCLG, "mhclg")

# --- the stand-ins: Bot Framework's identity side and the Bot Connector, a process of their own


async def _standins_async(out: Any, stop: Any) -> None:
    async with TeamsStandIns() as teams:
        kim = teams.connector.add_person(TENANT, "Kim Responder")
        channel = teams.connector.add_channel(TENANT, teams.app, "CIR pages")
        origin = activities.Origin(teams.service_url, teams.app)
        setup = {
            "env": teams.env(),
            "service_url": teams.service_url,
            # one token for the whole run, as Teams reuses its tokens for an hour
            "authorization": teams.identity.authorization(teams.app.app_id, teams.service_url),
            "invoke": activities.card_action(origin, channel, kim, "post_update", {"value": ""}),
            "message": activities.message(origin, channel, kim, "status"),
        }
        out.put(("standins", "", setup))
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)


def _standins(out: Any, stop: Any) -> None:
    asyncio.run(_standins_async(out, stop))


# --- the servers: one spawned process each --------------------------------------------------


async def _our_app(setup: dict[str, Any], tmp: str) -> tuple[web.Application, dict[str, Any]]:
    """The service with Teams mounted, KPMG on Teams, its channel learnt and an incident in
    containment assigned to it (what a responder presses "Post update" on)."""
    settings = load_settings({"DATABASE_URL": f"sqlite:///{Path(tmp) / 'cir.db'}", **setup["env"]})
    container = build_container(settings)
    policy = container.ctx.policy
    providers = dict(policy.providers)
    providers["kpmg"] = replace(
        providers["kpmg"],
        platform=Platform.TEAMS,
        paging_channel="",
        teams=TeamsPlace(TENANT, setup["service_url"]),
    )
    container.ctx = replace(container.ctx, policy=replace(policy, providers=providers))
    ctx, invoke = container.ctx, setup["invoke"]
    seen = Seen(
        TENANT,
        invoke["conversation"]["id"],
        setup["service_url"],
        ConversationType.CHANNEL,
        invoke["recipient"]["id"],
    )
    await learn_conversation(seen, container.uow(), ctx)
    referral = OpenReferral(
        actor=ASSESSOR,
        council_id="hackney",
        description="Ransomware on file servers",
        detected_at=ctx.clock.now(),
        services_affected="Benefits",
        attacker_active="unknown",
        contact_name="Hana Council",
        contact_email="hana@hackney.example",
        contact_phone="07700 900555",
    )
    incident = await open_referral(referral, container.uow(), ctx)
    async with container.uow() as uow:  # activation itself is not what is measured here
        await uow.session.execute(
            update(IncidentRow)
            .where(IncidentRow.id == incident.id)
            .values(state=State.CONTAINMENT.value, provider_ids=["kpmg"])
        )
        await uow.session.commit()
    return build_web_app(container, BackgroundTasks()), {"incident_id": incident.id}


class _BareBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        return None  # answered with 200 and nothing said

    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock",
                "text": "Status update"}]}  # fmt: skip
        return AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.card.adaptive", value=card
        )


async def _bare_app(setup: dict[str, Any], tmp: str) -> tuple[web.Application, dict[str, Any]]:
    """botbuilder's BotFrameworkAdapter (its own Bot Framework authentication, against the same
    OpenID metadata stand-in) and an ActivityHandler, on aiohttp."""
    env = setup["env"]
    settings = BotFrameworkAdapterSettings(
        env["MICROSOFT_APP_ID"],
        env["MICROSOFT_APP_PASSWORD"],
        open_id_metadata=env["MICROSOFT_OPENID_METADATA_URL"],
    )
    adapter, bot = BotFrameworkAdapter(settings), _BareBot()

    async def endpoint(request: web.Request) -> web.Response:
        activity = Activity().deserialize(await request.json())
        header = request.headers.get("Authorization", "")
        answer = await adapter.process_activity(activity, header, bot.on_turn)
        if answer is None:
            return web.Response(status=200)
        return web.json_response(answer.body, status=answer.status)

    app = web.Application()
    app.router.add_post(PATH, endpoint)
    return app, {}


BUILDERS: dict[str, Callable[[dict[str, Any], str], Awaitable[tuple[web.Application, Any]]]] = {
    OURS: _our_app,
    OURS_NOTE: _our_app,
    BARE_INVOKE: _bare_app,
    BARE_MESSAGE: _bare_app,
}


async def _serve_async(kind: str, setup: dict[str, Any], out: Any, stop: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, extra = await BUILDERS[kind](setup, tmp)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        out.put(("port", kind, (runner.addresses[0][1], extra)))
        cpu = time.process_time()
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        await runner.cleanup()
        out.put(("stats", kind, {"cpu_s": time.process_time() - cpu}))


def _serve(kind: str, setup: dict[str, Any], out: Any, stop: Any) -> None:
    asyncio.run(_serve_async(kind, setup, out, stop))


# --- client ---------------------------------------------------------------------------------


class Target:
    def __init__(self, kind: str, port: int, activity: dict[str, Any], authorization: str) -> None:
        self.kind, self.url = kind, f"http://127.0.0.1:{port}{PATH}"
        self.activity, self.authorization = activity, authorization
        self.latencies_ms: list[float] = []
        self.errors = 0
        self.sent = 0

    def next_body(self) -> bytes:
        """The activity with a fresh id (Teams' ids only grow): each is a new press."""
        self.sent += 1
        activity = copy.deepcopy(self.activity)
        activity["id"] = f"{int(time.time() * 1000)}{self.sent:06d}"
        return json.dumps(activity).encode()

    def answered(self, status: int, answer: bytes) -> bool:
        if self.kind == BARE_MESSAGE:
            return status == 200
        try:
            body = json.loads(answer)
        except ValueError:
            return False
        card = body.get("value") if isinstance(body, dict) else None
        return status == 200 and isinstance(card, dict) and card.get("type") == "AdaptiveCard"


async def _batch(session: aiohttp.ClientSession, target: Target, n: int, workers: int) -> None:
    queue: asyncio.Queue[None] = asyncio.Queue()
    for _ in range(n):
        queue.put_nowait(None)
    headers = {"Authorization": target.authorization, "Content-Type": "application/json"}

    async def client() -> None:
        while not queue.empty():
            queue.get_nowait()
            body = target.next_body()
            started = time.perf_counter()
            async with session.post(target.url, data=body, headers=headers) as response:
                answer = await response.read()
            target.latencies_ms.append((time.perf_counter() - started) * 1000)
            if not target.answered(response.status, answer):
                target.errors += 1

    await asyncio.gather(*(client() for _ in range(workers)))


async def _drive(targets: list[Target], requests: int, concurrency: int, batch: int) -> None:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        for target in targets:  # keys fetched, SQLite pool, code paths, TCP connections
            await _batch(session, target, WARMUP, concurrency)
            target.latencies_ms.clear()
            target.errors = 0
        sent, round_no = 0, 0
        while sent < requests:
            n = min(batch, requests - sent)
            shift = round_no % len(targets)
            order = targets[shift:] + targets[:shift]
            for target in order if round_no % 2 else order[::-1]:
                await _batch(session, target, n, concurrency)
                await asyncio.sleep(0.2)
            sent, round_no = sent + n, round_no + 1


def _summary(target: Target) -> dict[str, float | int]:
    return {
        **_percentiles(target.latencies_ms),
        "errors": target.errors,
        "mean_ms": round(statistics.fmean(target.latencies_ms), 2),
    }


def run(requests: int, concurrency: int, batch: int) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    standins_stop, stops = ctx.Event(), {k: ctx.Event() for k in KINDS}
    standins = ctx.Process(target=_standins, args=(out, standins_stop), daemon=True)
    standins.start()
    _, _, setup = out.get(timeout=60)
    procs = [ctx.Process(target=_serve, args=(k, setup, out, stops[k]), daemon=True) for k in KINDS]
    for p in procs:
        p.start()
    try:
        ports: dict[str, tuple[int, dict[str, Any]]] = {}
        while len(ports) < len(procs):
            _, kind, answer = out.get(timeout=120)
            ports[kind] = answer
        invoke = copy.deepcopy(setup["invoke"])
        ours_invoke = copy.deepcopy(invoke)
        ours_invoke["value"]["action"]["data"]["value"] = ports[OURS][1]["incident_id"]
        note = copy.deepcopy(invoke)
        note["value"]["action"]["verb"] = "note_form"
        note["value"]["action"]["data"] = {
            "value": ports[OURS_NOTE][1]["incident_id"],
            "note": "Firewall rules tightened on the VPN concentrator",
        }
        auth = setup["authorization"]
        targets = [
            Target(OURS, ports[OURS][0], ours_invoke, auth),
            Target(OURS_NOTE, ports[OURS_NOTE][0], note, auth),
            Target(BARE_INVOKE, ports[BARE_INVOKE][0], invoke, auth),
            Target(BARE_MESSAGE, ports[BARE_MESSAGE][0], setup["message"], auth),
        ]
        asyncio.run(_drive(targets, requests, concurrency, batch))
    finally:
        for stop in stops.values():
            stop.set()
    server: dict[str, dict[str, Any]] = {}
    for _ in procs:
        _, kind, stats = out.get(timeout=60)
        server[kind] = stats
    for p in procs:
        p.join(timeout=30)
    standins_stop.set()
    standins.join(timeout=30)
    summaries = {t.kind: _summary(t) for t in targets}
    for kind, summary in summaries.items():
        summary["server_cpu_ms_per_request"] = round(
            server[kind]["cpu_s"] * 1000 / (WARMUP + requests), 3
        )
    bare_p95 = float(summaries[BARE_INVOKE]["p95_ms"])
    ratio = round(float(summaries[OURS]["p95_ms"]) / bare_p95, 2)
    return {
        "benchmark": "teams_ack",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "requests_each": requests,
        "concurrency": concurrency,
        "batch": batch,
        "warmup_each": WARMUP,
        **summaries,
        "p95_ratio": ratio,
        "p95_ratio_note": round(float(summaries[OURS_NOTE]["p95_ms"]) / bare_p95, 2),
        "target_p95_ratio": TARGET_RATIO,
        "meets_target": ratio <= TARGET_RATIO,
    }


def _table(result: dict[str, Any]) -> str:
    head = ("p50", "p95", "p99", "max", "cpu/req")
    rows = [f"{'':14}" + "".join(f"{h:>9}" for h in head) + f"{'errors':>8}  (ms)"]
    for kind in KINDS:
        s = result[kind]
        figures = (s["p50_ms"], s["p95_ms"], s["p99_ms"], s["max_ms"])
        cpu = s["server_cpu_ms_per_request"]
        rows.append(
            f"{kind:14}" + "".join(f"{f:9.2f}" for f in figures) + f"{cpu:9.3f}{s['errors']:8d}"
        )
    verdict = "meets" if result["meets_target"] else "MISSES"
    rows.append(
        f"p95 ours/bare_invoke = {result['p95_ratio']:.2f} ({verdict} the {TARGET_RATIO}x "
        f"target); {result['requests_each']} requests each, {result['concurrency']} concurrent "
        f"clients, load average {result['load_average']}"
    )
    rows.append(f"p95 ours_note/bare_invoke = {result['p95_ratio_note']:.2f} (a write)")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=500, help="measured requests per server")
    parser.add_argument("--concurrency", type=int, default=10, help="concurrent clients")
    parser.add_argument("--batch", type=int, default=50, help="requests per alternating batch")
    args = parser.parse_args()
    result = run(args.requests, args.concurrency, args.batch)
    print(_table(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
