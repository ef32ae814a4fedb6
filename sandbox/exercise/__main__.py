"""`python -m sandbox.exercise --scenario ransomware --speed 10`: play a scenario, headless.

Starts the Slack and Notify stand-ins and the bot (in exercise mode, its clock at --speed) in
this process, plays the scenario as its people, prints each step as it is played, keeps the
service running --after more service minutes (so the ladder's last steps can fire), then
writes the exercise's timeline and every incident's report (EXERCISE on every page) to --out.
Exit 0 when every step was played, 1 when one failed, 2 for a bad scenario file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.app.container import build_container
from bot.app.server import build_web_app
from bot.app.settings import DEFAULT_CONFIG_DIR, load_settings
from bot.policy.errors import ConfigError
from handlers.slack.app import PATH
from sandbox.exercise.cast import everyone
from sandbox.exercise.downloads import references, report_pdf, timeline_export
from sandbox.exercise.register import exercise_config
from sandbox.exercise.runner import Entry, Runner, http_sender, wait_on_clock
from sandbox.exercise.scenario import Scenario, ScenarioError, find, load_scenario
from sandbox.exercise.stage import StandInStage
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack.api import FakeSlackApi

SECRET = "exercise-" + secrets.token_hex(16)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox.exercise", description=__doc__)
    parser.add_argument("--scenario", required=True, help="a file's name in sandbox/scenarios")
    parser.add_argument("--speed", type=float, help="clock speed (default: the scenario's)")
    parser.add_argument("--after", type=float, default=10.0, help="service minutes to run on")
    parser.add_argument("--out", default="var/exercise", help="where the downloads are written")
    return parser


async def play(scenario: Scenario, speed: float, after: float, out: Path) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        config = exercise_config(scenario, DEFAULT_CONFIG_DIR, Path(scratch) / "config")
        async with FakeSlackApi() as slack, FakeNotifyApi() as notify:
            env = {
                "DATABASE_URL": f"sqlite:///{scratch}/exercise.db",
                "CIR_TIMELINE_KEY": secrets.token_hex(32),
                "CIR_CONFIG_DIR": str(config),
                "CIR_EXERCISE": "1",
                "CIR_SPEED": f"{speed:g}",
                "SLACK_BOT_TOKEN": "xoxb-exercise",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.base_url,
                "NOTIFY_API_KEY": notify.api_key,
                "NOTIFY_BASE_URL": notify.base_url,
                "NOTIFY_EMAIL_TEMPLATE_ID": notify.email_template_id,
                "NOTIFY_SMS_TEMPLATE_ID": notify.sms_template_id,
                "NOTIFY_FILE_TEMPLATE_ID": notify.file_template_id,
            }
            container = build_container(load_settings(env))
            policy = container.ctx.policy
            slack.add_channel(policy.mhclg.triage_channel, "cir-triage")
            for provider in policy.providers.values():
                slack.add_channel(provider.paging_channel, f"{provider.id}-paging")
            for person in everyone(policy):
                slack.add_user(person.user_id, person.team_id, person.name, person.email)
            runner_app = web.AppRunner(build_web_app(container))
            await runner_app.setup()
            site = web.TCPSite(runner_app, "127.0.0.1", 0)
            await site.start()
            port = runner_app.addresses[0][1]
            steps = f"{scenario.length:g} service minutes, {len(scenario.steps)} steps"
            print(f"{container.ctx.mode.banner()}\nplaying {scenario.title!r} ({steps})")
            try:
                async with aiohttp.ClientSession() as session:
                    send = http_sender(session, f"http://127.0.0.1:{port}{PATH}", SECRET)
                    runner = Runner(
                        scenario, policy, send, StandInStage(slack), container.ctx.clock,
                        on_entry=lambda e: print(e.line(), flush=True),
                    )  # fmt: skip
                    log: list[Entry] = await runner.run()
                    until = container.ctx.clock.now() + timedelta(minutes=after)
                    await wait_on_clock(container.ctx.clock, until)
                await _downloads(container, scenario, out)
            finally:
                await runner_app.cleanup()
            print(f"sent by Notify: {len(notify.sent)}; Slack calls: {len(slack.calls)}")
    failed = [e for e in log if not e.ok]
    print(f"{len(log) - len(failed)} of {len(log)} steps played; downloads in {out}")
    return 1 if failed else 0


async def _downloads(container: object, scenario: Scenario, out: Path) -> None:
    uows, ctx = container.uow, container.ctx  # type: ignore[attr-defined]
    record = await timeline_export(uows, ctx, scenario.name)
    timeline = out / f"exercise-{scenario.name}.json"
    timeline.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    for reference in await references(uows):
        (out / f"{reference}-exercise-report.pdf").write_bytes(
            await report_pdf(uows, ctx, reference)
        )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        scenario = load_scenario(find(args.scenario))
        speed = args.speed if args.speed is not None else scenario.speed
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        return asyncio.run(play(scenario, speed, args.after, out))
    except (ScenarioError, ConfigError) as exc:
        print(f"exercise: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
