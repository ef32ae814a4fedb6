"""`python -m bot`: serve, migrate, verify-timeline, export (and more as capabilities land)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.app.container import Container, build_container
from bot.app.councils import import_councils
from bot.app.export import run_export
from bot.app.figures import run_figures
from bot.app.logging import configure_logging
from bot.app.purge import run_purge
from bot.app.settings import Settings, load_settings
from bot.app.teams_package import run_teams_package
from bot.app.timeline_key import timeline_key
from bot.domain.errors import InvalidInput
from bot.domain.reference import Reference
from bot.policy.errors import ConfigError
from bot.policy.teams_checks import teams_warnings
from bot.usecases.org_bindings import Unrecognised, unrecognised_councils
from storage import migrate
from storage.audit import audit
from storage.database import DatabaseUrlError, create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="The MHCLG Cyber Incident Response bot."
    )
    sub = parser.add_subparsers(dest="command", metavar="command", required=True)
    serve = sub.add_parser("serve", help="run the service (Slack, Teams, health) on $PORT")
    serve.add_argument(
        "--speed",
        type=float,
        metavar="N",
        help="run the service's clock N times faster (an exercise: 10 puts the 30-minute "
        "deadline 3 minutes away); default CIR_SPEED or 1",
    )
    serve.add_argument(
        "--exercise",
        action="store_true",
        help="mark everything EXERCISE (messages, emails, report, export); default CIR_EXERCISE",
    )
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("check-config", help="validate config/ and the environment, then exit")
    verify = sub.add_parser(
        "verify-timeline",
        help="check every incident's keyed timeline, chain head and reference for tampering",
    )
    verify.add_argument(
        "--expect-at-least",
        metavar="CIR-YYYY-NNNN",
        help="a reference known from outside the database (a report, an email) to exist: "
        "catches a database rolled back to an earlier backup",
    )
    councils = sub.add_parser("councils", help="manage the council register")
    council_sub = councils.add_subparsers(dest="councils_command", metavar="action", required=True)
    imp = council_sub.add_parser(
        "import", help="load councils from the official register's CSV (code, name, type, region)"
    )
    imp.add_argument("file", help="the CSV file")
    imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    export = sub.add_parser("export", help="write one incident's full record as JSON (audit)")
    export.add_argument("reference", help="the incident, e.g. CIR-2026-0001")
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    figures = sub.add_parser("figures", help="MHCLG's monthly figures, from the timelines")
    figures.add_argument("--month", required=True, help="the month, e.g. 2026-11 (London time)")
    figures.add_argument("--output", metavar="FILE.pdf", help="also write a PDF with charts")
    purge = sub.add_parser(
        "purge", help="purge the personal data of incidents closed longer than the retention period"
    )
    purge.add_argument("references", nargs="*", metavar="CIR-YYYY-NNNN", help="only these")
    purge.add_argument("--dry-run", action="store_true", help="list what would go, change nothing")
    package = sub.add_parser(
        "teams-package",
        help="zip the Teams app package (teams/manifest.json and icons) for MICROSOFT_APP_ID",
    )
    package.add_argument("--output", metavar="FILE.zip", help="default: cir-bot-teams.zip")
    return parser


async def _verify_timeline(expect_at_least: str | None = None) -> int:
    """Exit 0 when every record is intact, 1 naming each incident and kind of tampering."""
    anchor = Reference.parse(expect_at_least) if expect_at_least else None
    settings = load_settings()
    target = parse_database_url(settings.database_url)
    migrate.require_current(target)
    engine = create_engine_for(target)
    try:
        async with SqlUnitOfWorkFactory(engine, timeline_key(settings))() as uow:
            result = await audit(uow, anchor)
    finally:
        await engine.dispose()
    for finding in result.findings:
        print(finding.line())
    print(f"checked {result.incidents} incidents, {result.events} events: ", end="")
    broken = len(result.findings)
    print("timeline intact" if not broken else f"{broken} problem(s) found")
    return 0 if not broken else 1


async def _unrecognised(container: Container) -> list[Unrecognised]:
    try:
        return await unrecognised_councils(container.uow(), container.ctx)
    finally:
        await container.close()


def unrecognised_warning(councils: list[Unrecognised]) -> str:
    names = ", ".join(
        f"{u.council.id} ({u.waiting} waiting for MHCLG to confirm)" if u.waiting else u.council.id
        for u in councils
    )
    return (
        f"warning: {len(councils)} council(s) invited by Slack Connect cannot be recognised on "
        f"Slack yet (no slack_team_id in councils.yml, none learnt and confirmed): {names}. "
        "Their people can read an incident's channel but cannot act for the council. Fix: set "
        "slack_team_id in councils.yml, or confirm the workspace the bot asks about in the "
        "triage channel when the council's contact accepts an invitation (asked again at each "
        "acceptance until answered)."
    )


def _with_mode(settings: Settings, args: argparse.Namespace) -> Settings:
    """--speed and --exercise override CIR_SPEED and CIR_EXERCISE, checked the same way."""
    env: dict[str, str] = {}
    if getattr(args, "speed", None) is not None:
        env["CIR_SPEED"] = f"{args.speed:g}"
    if getattr(args, "exercise", False):
        env["CIR_EXERCISE"] = "1"
    if not env:
        return settings
    checked = load_settings(env)
    return replace(settings, speed=checked.speed, exercise=checked.exercise or settings.exercise)


def _run(command: str, args: argparse.Namespace | None = None) -> int:
    settings = load_settings()
    if args is not None:
        settings = _with_mode(settings, args)
    configure_logging(settings.log_level)
    if command == "migrate":
        target = parse_database_url(settings.database_url)
        state = migrate.upgrade(target, timeline_key(settings))
        print(f"database {target.redacted()} at schema {state.current}")
        return 0
    if command == "check-config":
        container = build_container(settings)
        unrecognised = asyncio.run(_unrecognised(container))
        print(f"configuration OK ({len(container.ctx.policy.councils)} councils)")
        if unrecognised:
            print(unrecognised_warning(unrecognised))
        for warning in teams_warnings(
            container.ctx.policy, settings.config_dir, settings.teams_app_id
        ):
            print(warning)
        return 0
    if command == "serve":
        from bot.app.event_loop import run
        from bot.app.server import serve

        container = build_container(settings)
        if container.ctx.mode.marked:
            log.warning("service mode: %s", container.ctx.mode.banner())
        run(serve(container))
        return 0
    raise AssertionError(command)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "verify-timeline":
            return asyncio.run(_verify_timeline(args.expect_at_least))
        if args.command == "export":
            return run_export(load_settings(), args.reference, args.output)
        if args.command == "figures":
            return run_figures(load_settings(), args.month, args.output)
        if args.command == "teams-package":
            return run_teams_package(load_settings(), args.output)
        if args.command == "purge":
            return run_purge(load_settings(), args.references, args.dry_run)
        if args.command == "councils":
            config_dir = load_settings().config_dir
            return import_councils(
                Path(args.file), config_dir, dry_run=args.dry_run, out=sys.stdout
            )
        return _run(args.command, args)
    except InvalidInput as exc:  # e.g. --expect-at-least that is not a reference
        print(f"cir-bot: {exc}", file=sys.stderr)
        return 2
    except (ConfigError, DatabaseUrlError, migrate.SchemaError) as exc:
        print(f"cir-bot: cannot start: {exc}", file=sys.stderr)
        return 2
