"""The bot and the sandbox in one process, on one port: the bot exactly as `python -m bot serve`
builds it, configured as for any Slack (a bot token, a signing secret, `SLACK_API_URL`) and for
GOV.UK Notify (a key and `NOTIFY_BASE_URL`), both pointing at the stand-ins on loopback ports;
the sandbox page added under /sandbox on the same server. The bot cannot tell: it is reached by
signed requests to /slack/events and reaches Slack and Notify over HTTP.

The sandbox starts empty each time, on a SQLite file of its own (var/sandbox/), so it never
mixes with the service's real database."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from bot.app.container import Container, build_container
from bot.app.server import build_web_app
from bot.app.settings import DEFAULT_CONFIG_DIR, load_settings
from handlers.slack.app import PATH
from sandbox.cast import build_workspace
from sandbox.exercise import routes as exercise_routes
from sandbox.exercise.register import all_scenarios_config
from sandbox.exercise.routes import ExerciseControl
from sandbox.exercise.runner import LazySender
from sandbox.exercise.scenario import ScenarioError
from sandbox.exercise.stage import StandInStage
from sandbox.notify.api import FakeNotifyApi
from sandbox.page.client import SlackSide
from sandbox.page.routes import Desk, guard, mount
from sandbox.slack.api import FakeSlackApi
from sandbox.teams.setup import TeamsSide, start_teams, stop_teams, teams_orgs_wanted

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "slack" / "manifest.yml"
DATA_DIR = ROOT / "var" / "sandbox"


@dataclass
class Sandbox:
    """The running pieces, for the CLI, the browser tests and exercises to reach."""

    app: web.Application
    container: Container
    desk: Desk
    slack: FakeSlackApi
    notify: FakeNotifyApi
    exercise: ExerciseControl
    sender: LazySender
    scratch: tempfile.TemporaryDirectory[str] | None = None  # the exercise's config/, if made
    teams: TeamsSide | None = None  # the Teams stand-ins and page, when organisations are on Teams


def app_manifest(path: Path = MANIFEST) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    """The slash commands and shortcuts the app declares: what the sandbox's client offers."""
    if not path.is_file():  # installed without the repository's slack/: the command alone
        return ("/cir",), []
    features = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("features", {})
    commands = tuple(c["command"] for c in features.get("slash_commands", []))
    shortcuts = [
        {"name": s["name"], "type": s["type"], "callback_id": s["callback_id"]}
        for s in features.get("shortcuts", [])
    ]
    return commands, shortcuts


def sandbox_env(
    base: Mapping[str, str],
    slack: FakeSlackApi,
    notify: FakeNotifyApi,
    host: str,
    port: int,
    database_url: str,
) -> dict[str, str]:
    """The environment the bot reads, as an operator would set it for a real workspace."""
    env = {k: v for k, v in base.items() if not k.startswith(("SLACK_", "NOTIFY_", "MICROSOFT_"))}
    return env | {
        "HOST": host,
        "PORT": str(port or 3000),  # what the bot reads; the sandbox binds `port` itself
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": f"xoxb-sandbox-{secrets.token_hex(12)}",
        "SLACK_SIGNING_SECRET": secrets.token_hex(16),
        "SLACK_API_URL": slack.base_url,
        "NOTIFY_API_KEY": notify.api_key,
        "NOTIFY_BASE_URL": notify.base_url,
        "NOTIFY_EMAIL_TEMPLATE_ID": notify.email_template_id,
        "NOTIFY_SMS_TEMPLATE_ID": notify.sms_template_id,
        "NOTIFY_FILE_TEMPLATE_ID": notify.file_template_id,
    }


def fresh_database(directory: Path | None = None) -> str:
    """A new, empty SQLite file in var/sandbox/ (or CIR_SANDBOX_DIR)."""
    directory = directory or Path(os.environ.get("CIR_SANDBOX_DIR") or DATA_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("sandbox.db*"):
        old.unlink()
    return f"sqlite:///{directory / 'sandbox.db'}"


def _banner(container: Container) -> str:
    """The service's mode line (an exercise, a fast clock), when the service has one."""
    mode: Any = getattr(container.ctx, "mode", None)
    banner = getattr(mode, "banner", None)
    return str(banner()) if callable(banner) and getattr(mode, "marked", True) else ""


async def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 3000,
    *,
    env: Mapping[str, str] | None = None,
    database_url: str = "",
    sweep_seconds: float = 2.0,
    teams_orgs: Sequence[str] | None = None,
) -> tuple[Sandbox, web.AppRunner]:
    """Start the stand-ins, the bot and the page; the caller cleans the runner up, then calls
    `stop_sandbox`. Port 0 picks a free port (tests). `teams_orgs`: the councils and providers
    on Teams (None: CIR_SANDBOX_TEAMS, else one council outside an exercise)."""
    slack, notify = FakeSlackApi(), FakeNotifyApi()
    await slack.start()
    await notify.start()
    base_env = os.environ if env is None else env
    settings_env = sandbox_env(
        base_env,
        slack,
        notify,
        host,
        port,
        database_url or fresh_database(),
    )
    settings = load_settings(settings_env)
    scratch = None
    if settings.exercise and not settings_env.get("CIR_CONFIG_DIR"):
        # an exercise: the shipped config/ plus every scenario's councils, each with its own
        # workspace (outside an exercise the sandbox keeps config/ as shipped)
        scratch = tempfile.TemporaryDirectory(prefix="cir-sandbox-config-")
        config = all_scenarios_config(DEFAULT_CONFIG_DIR, Path(scratch.name) / "config")
        settings = load_settings(settings_env | {"CIR_CONFIG_DIR": str(config)})
    wanted = teams_orgs_wanted(teams_orgs, base_env, exercise=settings.exercise)
    teams = await start_teams(wanted, settings.config_dir) if wanted else None
    if teams is not None:
        settings = load_settings(settings_env | teams.env())
    container = await asyncio.to_thread(build_container, settings)
    workspace, roles = build_workspace(container.ctx.policy)
    slack.workspace = workspace
    workspace.upload_root = slack.base_url.removesuffix("/api/")
    app = build_web_app(container, sweep_seconds=sweep_seconds)
    commands, shortcuts = app_manifest()
    side = SlackSide(workspace, "", settings.slack_signing_secret, "", commands)
    local = host in {"127.0.0.1", "localhost", "::1"}
    desk = Desk(
        workspace,
        side,
        notify,
        [(r.user_id, r.role) for r in roles],
        shortcuts,
        local_only=local,
        banner=lambda: _banner(container),
    )
    mount(app, desk)
    if teams is not None:
        teams.mount(app, desk, container.ctx.policy, lambda: _banner(container))
    sender = LazySender(lambda: side.events_url, settings.slack_signing_secret)
    control = ExerciseControl(container.uow, container.ctx, sender, StandInStage(slack))
    exercise_routes.mount(app, control, guard=guard(desk))
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    root = f"http://127.0.0.1:{bound}"
    side.events_url, side.hooks_root = f"{root}{PATH}", f"{root}/sandbox/hooks"
    if teams is not None:
        await teams.installed(f"{root}/api/messages")
    return Sandbox(app, container, desk, slack, notify, control, sender, scratch, teams), runner


async def stop_sandbox(sandbox: Sandbox, runner: web.AppRunner) -> None:
    task = sandbox.exercise.task
    if task is not None and not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await sandbox.sender.close()
    await runner.cleanup()
    await sandbox.desk.slack.shutdown()
    await sandbox.slack.stop()
    await sandbox.notify.stop()
    if sandbox.teams is not None:
        await stop_teams(sandbox.teams)
    if sandbox.scratch is not None:
        sandbox.scratch.cleanup()


async def serve(host: str, port: int, scenario: str = "") -> None:
    """Run until SIGTERM or SIGINT; with `scenario`, start playing it once the server is up
    (a scenario the service's register refuses stops the sandbox with ScenarioError)."""
    sandbox, runner = await start_sandbox(host, port)
    shown = "localhost" if host in {"127.0.0.1", "::1"} else host
    print(f"CIR sandbox: http://{shown}:{runner.addresses[0][1]}/sandbox", flush=True)
    if sandbox.teams is not None:
        print(
            f"CIR sandbox, Teams side: http://{shown}:{runner.addresses[0][1]}/sandbox/teams",
            flush=True,
        )
    if scenario:
        try:
            sandbox.exercise.start(scenario)
        except ScenarioError:
            await stop_sandbox(sandbox, runner)
            raise
        print(f"CIR sandbox: playing the {scenario} scenario", flush=True)
    if not sandbox.desk.local_only:
        log.warning("the sandbox listens beyond localhost: anyone who reaches it can act as anyone")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await stop_sandbox(sandbox, runner)
