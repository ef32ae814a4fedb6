"""A provider's page on Teams against the same page on Slack, in one run: how long the firing of
the page takes from the moment the activation asks for it (`DeadlineScheduler.fire_now`, as
the Slack and Teams activation flows do) until it is delivered and committed.

    .venv/bin/python -m benchmarks.teams_page [--pages 200]

Two services side by side, each on its own SQLite file, with the real scheduler, firing
handlers and chat adapters over real HTTP on localhost:

| row | KPMG on | the page goes through, to |
| --- | --- | --- |
| `slack` | Slack | `SlackChat` (the firing's client), to the Slack Web API stand-in (baseline) |
| `teams` | Teams | `TeamsChat`, its stored conversation read, to `sandbox/teams/`'s connector |

Each incident is activated through the use cases first (not timed); the rows alternate, one
page each, so both see the same machine. It prints n, p50, p95, p99 and max in milliseconds
and writes them to `benchmarks/results/teams_page.json`. Target: a page within 1 s of the
activation (the contract's 30 minutes start at the page), on Teams as on Slack.
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
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app.chats import Chats
from bot.app.scheduler import DeadlineScheduler
from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.actors import OrgKind
from bot.domain.bindings import Platform
from bot.domain.clock import FakeClock
from bot.domain.conversations import ConversationRef, ConversationType
from bot.domain.deadlines import Deadline
from bot.policy.load import load_policy
from bot.policy.model import Policy, TeamsPlace
from bot.ports.chat import ChatPort
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps, fire
from handlers.notify.client import DisabledNotifier
from handlers.slack.app import slack_outbound
from handlers.teams.chat import TeamsChat
from handlers.teams.connector import BotConnector
from sandbox.slack.api import FakeSlackApi
from sandbox.teams.standins import TeamsStandIns
from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import TIMELINE_KEY
from tests.integration.activation_steps import activated

RESULTS = Path(__file__).parent / "results" / "teams_page.json"
TENANT = "22222222-2222-4222-8222-222222222222"


@dataclass
class Side:
    name: str
    uows: SqlUnitOfWorkFactory
    ctx: CoreContext
    scheduler: DeadlineScheduler
    times: list[float]


def on_teams(policy: Policy, service_url: str) -> Policy:
    kpmg = replace(
        policy.providers["kpmg"],
        platform=Platform.TEAMS,
        paging_channel="",
        teams=TeamsPlace(TENANT, service_url),
    )
    return replace(policy, providers={**policy.providers, "kpmg": kpmg})


def database(folder: str, name: str) -> SqlUnitOfWorkFactory:
    target = parse_database_url(f"sqlite:///{folder}/{name}.db")
    migrate.upgrade(target)
    return SqlUnitOfWorkFactory(create_engine_for(target), TIMELINE_KEY)


def side(name: str, uows: SqlUnitOfWorkFactory, ctx: CoreContext, port: ChatPort) -> Side:
    platform_of = Platform.TEAMS if name == "teams" else Platform.SLACK
    chats = Chats({platform_of: port}, uows, ctx.policy)
    deps = FiringDeps(ctx, chats, DisabledNotifier(), chats=chats)

    async def handler(deadline: Deadline, uow: SqlUnitOfWork) -> None:
        await fire(deadline, uow, deps)

    scheduler = DeadlineScheduler(uows, ctx.clock, handler, worker_id=name)
    return Side(name, uows, ctx, scheduler, [])


async def page_once(s: Side) -> None:
    result = await activated(s.uows, s.ctx)
    start = time.perf_counter()
    settled = await s.scheduler.fire_now(result.page_ids)
    s.times.append((time.perf_counter() - start) * 1000)
    assert settled == 1, f"{s.name}: the page was not fired at once"


def row(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 1),
        "p95": pct(95),
        "p99": pct(99),
        "max": round(ordered[-1], 1),
    }


async def run(pages: int) -> dict[str, Any]:
    policy = load_policy(DEFAULT_CONFIG_DIR)
    clock = FakeClock(datetime.now(UTC))
    with tempfile.TemporaryDirectory() as folder:
        async with FakeSlackApi() as slack, TeamsStandIns() as teams:
            slack.add_channel(policy.providers["kpmg"].paging_channel, "kpmg-paging")
            slack_uows = database(folder, "slack")
            slack_ctx = CoreContext(clock=clock, policy=policy)
            outbound = slack_outbound(
                token="xoxb-bench", api_url=slack.base_url, uow=slack_uows, ctx=slack_ctx
            )
            teams_uows = database(folder, "teams")
            teams_ctx = CoreContext(clock=clock, policy=on_teams(policy, teams.service_url))
            env = teams.env()
            connector = BotConnector(
                app_id=env["MICROSOFT_APP_ID"],
                app_password=env["MICROSOFT_APP_PASSWORD"],
                token_url=env["MICROSOFT_TOKEN_URL"],
            )
            channel = teams.connector.add_channel(TENANT, teams.app, "CIR pages")
            async with teams_uows() as uow:
                await uow.conversations.save(
                    ConversationRef(
                        org_kind=OrgKind.PROVIDER.value,
                        org_id="kpmg",
                        tenant_id=TENANT,
                        conversation_id=channel.id,
                        service_url=teams.service_url,
                        conversation_type=ConversationType.CHANNEL,
                        bot_id=teams.app.bot_id,
                        updated_at=clock.now(),
                    )
                )
                await uow.commit()
            chat = TeamsChat(connector, teams_uows, teams_ctx, app_id=env["MICROSOFT_APP_ID"])
            sides = [
                side("slack", slack_uows, slack_ctx, outbound.firing_chat),
                side("teams", teams_uows, teams_ctx, chat),
            ]
            for s in sides:  # warm-up: connections, the token, code paths
                for _ in range(5):
                    await page_once(s)
                s.times.clear()
            for i in range(pages):
                for s in sides if i % 2 == 0 else reversed(sides):
                    await page_once(s)
            delivered = len(teams.connector.cards(channel.id))
            await connector.close()
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
        "pages": pages,
        "teams_cards_delivered": delivered,
        "rows": {s.name: row(s.times) for s in sides},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    result = asyncio.run(run(args.pages))
    print(f"{'row':<8}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}   (ms)")
    for name, r in result["rows"].items():
        print(f"{name:<8}{r['n']:>6}{r['p50']:>9}{r['p95']:>9}{r['p99']:>9}{r['max']:>9}")
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
