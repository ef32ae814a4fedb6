"""An exercise's mass event: twenty councils at once. Is every answer to the people's browser
(to Slack's requests) within Slack's 3 seconds, and each provider's page within 1 second of its
activation?

The mass-event scenario (sandbox/scenarios/mass-event.yml) is played by the exercise runner as
its people, with every stage of it compressed to "all twenty at once": the twenty referrals
together, then the twenty threshold checks, decisions, MoU overrides and activations, each
stage a few seconds after the last, then the twenty acknowledgements and contacts. The service
(the real one: Bolt, the use cases, the DeadlineScheduler) runs in its own process on the real
clock; the Slack and Notify stand-ins and the runner run in this one, the stand-ins stamping
each call on the machine-wide monotonic clock. A baseline in the same run first plays one
council alone through the same steps.

    .venv/bin/python -m benchmarks.exercise_mass_event [--url postgresql://host/postgres]
        [--councils 20] [--gap 3]

Without --url it uses a throw-away SQLite file (the embedded default); with it, a fresh
database on that server, dropped afterwards. Writes benchmarks/results/exercise_mass_event.json
under its database's name, beside the other's latest.

Rows (ms): `answer` every request's HTTP answer (target: the slowest under 3,000);
`answer_<step>` the same by step; `page_after_activation` from the activation's commit
(`notified_at`) to the page reaching the provider's channel (target: the slowest under 1,000);
`page_after_send` from sending the activate form to the page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import re
import secrets
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import select

from benchmarks.activation_escalation import _database, _summary
from bot.app.container import build_container
from bot.app.server import build_web_app
from bot.app.settings import DEFAULT_CONFIG_DIR, load_settings
from bot.domain.clock import SystemClock
from bot.policy.load import load_policy
from handlers.slack.app import PATH
from sandbox.exercise.cast import everyone
from sandbox.exercise.register import exercise_config
from sandbox.exercise.runner import Runner, http_sender
from sandbox.exercise.scenario import Scenario, Step, find, load_scenario
from sandbox.exercise.stage import StandInStage
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack.api import FakeSlackApi, message_text
from storage.database import create_engine_for, parse_database_url
from storage.engagement_models import EngagementRow
from storage.models import IncidentRow

SECRET = "bench-" + secrets.token_hex(8)
RESULTS = Path(__file__).resolve().parent / "results" / "exercise_mass_event.json"
ANSWER_TARGET_MS, PAGE_TARGET_MS = 3000.0, 1000.0
REFERENCE = re.compile(r"CIR-\d{4}-\d{4,}")
BASELINE_COUNCIL = {
    "id": "exeter", "code": "E07000041", "name": "Exeter City Council",
    "type": "Non-metropolitan district", "region": "South West", "warp": "South West WARP",
    "slack_connect": True,
    "contacts": [{"name": "CISO (benchmark)", "email": "ciso@exeter.example",
                  "phone": "01392 000021"}],
}  # fmt: skip
# the scenario's stages, in order, each a `gap` after the last; all councils at once in each
STAGES = ("refer", "assess", "decide", "override_mou", "activate", "acknowledge", "contact")


def compressed(scenario: Scenario, councils: list[str], gap_s: float) -> Scenario:
    """Every stage of the scenario for all `councils` at the same moment, `gap_s` apart."""
    template = {s.do: s for s in scenario.steps if s.do in STAGES}
    steps = [
        Step(index * gap_s / 60, template[do].by, do, council, template[do].args)
        for index, do in enumerate(STAGES)
        for council in councils
    ]
    return replace(scenario, steps=tuple(steps))


# --- the service: its own process ------------------------------------------------------------


async def _service_async(env: dict[str, str], out: Any, stop: Any) -> None:
    container = build_container(load_settings(env))
    runner = web.AppRunner(build_web_app(container))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    out.put(("service", runner.addresses[0][1]))
    cpu = time.process_time()
    await asyncio.get_running_loop().run_in_executor(None, stop.wait)
    out.put(("service_cpu", time.process_time() - cpu))
    await runner.cleanup()


def _service(env: dict[str, str], out: Any, stop: Any) -> None:
    asyncio.run(_service_async(env, out, stop))


# --- the driver: the stand-ins and the runner ------------------------------------------------


async def _play(
    scenario: Scenario, slack: FakeSlackApi, policy: Any, url: str
) -> tuple[Runner, dict[str, float]]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        runner = Runner(
            scenario, policy, http_sender(session, url, SECRET), StandInStage(slack),
            SystemClock(), patience=60,
        )  # fmt: skip
        await runner.run()
    sent = {}  # council -> when its activate form was sent (monotonic)
    activations = [a for a in runner.answers if a[0] == "activate"]
    activated = [e for e in runner.log if e.step.do == "activate"]
    for entry, (_, _, at) in zip(sorted(activated, key=lambda e: e.at), sorted(
        activations, key=lambda a: a[2]), strict=False):  # fmt: skip
        sent[entry.step.council] = at
    return runner, sent


def _pages(slack: FakeSlackApi, paging: set[str]) -> dict[str, float]:
    """Reference -> when its page reached the provider's channel (monotonic)."""
    found: dict[str, float] = {}
    for call in slack.calls:
        if call.method != "chat.postMessage" or call.args.get("channel") not in paging:
            continue
        text = message_text(call.args)
        ref = REFERENCE.search(text)
        if ref and "has activated Cyber Incident Response" in text:
            found.setdefault(ref.group(0), call.at)
    return found


async def _figures(
    runner: Runner, sent: dict[str, float], pages: dict[str, float], db_url: str
) -> dict[str, Any]:
    engine = create_engine_for(parse_database_url(db_url))
    async with engine.connect() as conn:
        rows = list(
            await conn.execute(
                select(IncidentRow.reference, IncidentRow.council_id, EngagementRow.notified_at)
                .join(EngagementRow, EngagementRow.incident_id == IncidentRow.id)
            )
        )  # fmt: skip
    await engine.dispose()
    offset = time.time() - time.monotonic()
    mine = set(runner.incident_ids())
    after_commit, after_send = [], []
    for reference, council, notified_at in rows:
        if council not in mine or reference not in pages:
            continue
        after_commit.append(pages[reference] + offset - notified_at.replace(tzinfo=UTC).timestamp())
        if council in sent:
            after_send.append(pages[reference] - sent[council])
    by_step: dict[str, list[float]] = {}
    for step, ms, _ in runner.answers:
        by_step.setdefault(step, []).append(ms / 1000)
    result: dict[str, Any] = {
        "councils": len(mine),
        "steps_failed": [e.line() for e in runner.log if not e.ok],
        "answer": _summary([ms / 1000 for _, ms, _ in runner.answers]),
        "page_after_activation": _summary(after_commit),
        "page_after_send": _summary(after_send),
        "pages_missing": len(mine) - len(after_commit),
    }
    for step in STAGES:
        if step in by_step:
            result[f"answer_{step}"] = _summary(by_step[step])
    return result


async def _drive(args: argparse.Namespace, out: Any, db_url: str) -> dict[str, Any]:
    scenario = load_scenario(find("mass-event"))
    scenario = replace(scenario, councils=(*scenario.councils, BASELINE_COUNCIL))
    councils = [c for c in dict.fromkeys(s.council for s in scenario.steps)][: args.councils]
    with tempfile.TemporaryDirectory() as scratch:
        config = exercise_config(scenario, DEFAULT_CONFIG_DIR, Path(scratch) / "config")
        policy = load_policy(config)
        async with FakeSlackApi() as slack, FakeNotifyApi() as notify:
            slack.add_channel(policy.mhclg.triage_channel, "cir-triage")
            for provider in policy.providers.values():
                slack.add_channel(provider.paging_channel, f"{provider.id}-paging")
            for person in everyone(policy):
                slack.add_user(person.user_id, person.team_id, person.name, person.email)
            env = {
                "DATABASE_URL": db_url, "CIR_TIMELINE_KEY": "benchmark-" + "k" * 32,
                "CIR_CONFIG_DIR": str(config), "CIR_EXERCISE": "1",
                "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.base_url, "NOTIFY_API_KEY": notify.api_key,
                "NOTIFY_BASE_URL": notify.base_url,
                "NOTIFY_EMAIL_TEMPLATE_ID": notify.email_template_id,
                "NOTIFY_SMS_TEMPLATE_ID": notify.sms_template_id,
            }  # fmt: skip
            ctx = mp.get_context("spawn")
            stop = ctx.Event()
            service = ctx.Process(target=_service, args=(env, out, stop), daemon=True)
            service.start()
            loop = asyncio.get_running_loop()
            _, port = await loop.run_in_executor(None, out.get, True, 120)
            url = f"http://127.0.0.1:{port}{PATH}"
            paging = {p.paging_channel for p in policy.providers.values()}
            try:
                calm, calm_sent = await _play(
                    compressed(scenario, ["exeter"], args.gap), slack, policy, url
                )
                await asyncio.sleep(2)
                burst, burst_sent = await _play(
                    compressed(scenario, councils, args.gap), slack, policy, url
                )
                await asyncio.sleep(2)  # the last pages
                pages = _pages(slack, paging)
            finally:
                stop.set()
            _, service_cpu = await loop.run_in_executor(None, out.get, True, 60)
            service.join(timeout=60)
            return {
                "baseline": await _figures(calm, calm_sent, pages, db_url),
                "burst": await _figures(burst, burst_sent, pages, db_url),
                "service_cpu_s": round(service_cpu, 1),
            }


def run(args: argparse.Namespace) -> dict[str, Any]:
    out = mp.get_context("spawn").Queue()
    with _database(args.url) as db_url:
        figures = asyncio.run(_drive(args, out, db_url))
    burst = figures["burst"]
    answer_max = burst["answer"].get("max_ms", float("inf"))
    page_max = burst["page_after_activation"].get("max_ms", float("inf"))
    return {
        "benchmark": "exercise_mass_event",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "database": "postgresql" if args.url else "sqlite",
        "councils": args.councils,
        "gap_s": args.gap,
        **figures,
        "targets": {
            "answer_max_ms": ANSWER_TARGET_MS,
            "page_after_activation_max_ms": PAGE_TARGET_MS,
            "answers_met": answer_max < ANSWER_TARGET_MS and not burst["steps_failed"],
            "pages_met": page_max < PAGE_TARGET_MS and burst["pages_missing"] == 0,
        },
    }


def _table(result: dict[str, Any]) -> str:
    rows = [f"{'(ms)':34}" + "".join(f"{h:>9}" for h in ("n", "p50", "p95", "p99", "max"))]
    for group in ("baseline", "burst"):
        for name, s in result[group].items():
            if isinstance(s, dict) and "n" in s:
                cells = [s.get(k, float("nan")) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
                rows.append(
                    f"{group + ': ' + name:34}{s['n']:9d}" + "".join(f"{c:9.0f}" for c in cells)
                )
        if result[group]["steps_failed"]:
            rows.append(f"{group}: FAILED steps: {result[group]['steps_failed'][:5]}")
    rows.append(f"targets: {result['targets']}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default="", help="a PostgreSQL server; default SQLite")
    parser.add_argument("--councils", type=int, default=20, help="councils hit at once (<= 20)")
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between the stages")
    parser.add_argument("--label", default="", help="store the run under this name too")
    args = parser.parse_args()
    result = run(args)
    print(_table(result))
    runs = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    runs[result["database"]] = result
    if args.label:
        runs[args.label] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS} under {result['database']!r}")


if __name__ == "__main__":
    main()
