"""`python -m sandbox [--host H] [--port N] [--speed N] [--exercise] [--scenario NAME]`: the whole
service in a browser, with no Slack account; `--scenario` starts playing an exercise scenario
(sandbox/scenarios/NAME.yml, marked EXERCISE) once the server is up. Listens on localhost unless
`--host` says otherwise, because anyone who reaches the page can act as anyone."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.app.event_loop import run
from bot.app.logging import configure_logging
from bot.policy.errors import ConfigError
from sandbox.exercise.scenario import ScenarioError, find
from sandbox.serve import serve
from sandbox.teams.setup import wanted_from_cli


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="The CIR bot with a sandbox Slack and GOV.UK Notify, in a browser.",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1: this machine only)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "3000")),
        help="the port (default $PORT or 3000)",
    )
    parser.add_argument(
        "--speed", metavar="N", help="run the service's clock N times faster (CIR_SPEED)"
    )
    parser.add_argument(
        "--exercise", action="store_true", help="mark everything EXERCISE (CIR_EXERCISE)"
    )
    parser.add_argument(
        "--scenario",
        metavar="NAME",
        default="",
        help="start playing sandbox/scenarios/NAME.yml once the server is up (implies --exercise)",
    )
    parser.add_argument(
        "--teams",
        metavar="IDS",
        default=None,
        help="councils and providers on Teams, by id, comma-separated (default "
        "$CIR_SANDBOX_TEAMS, else bristol outside an exercise; '' for none); their people "
        "use the Teams page, /sandbox/teams",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.scenario:
        try:
            find(args.scenario)
        except ScenarioError as exc:
            print(f"cir-sandbox: cannot start: {exc}", file=sys.stderr)
            return 2
        args.exercise = True
    if args.speed:
        os.environ["CIR_SPEED"] = str(args.speed)
    if args.exercise:
        os.environ["CIR_EXERCISE"] = "1"
    wanted_from_cli(args.teams)
    configure_logging(os.environ.get("LOG_LEVEL", "WARNING").upper())
    try:
        run(serve(args.host, args.port, args.scenario))
    except (ConfigError, ScenarioError) as exc:
        print(f"cir-sandbox: cannot start: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cir-sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    return 0
