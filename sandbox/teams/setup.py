"""The sandbox's Teams side, started with the rest of the sandbox when organisations are on
Teams: the two stand-ins, a config copy with those organisations on Teams (the bot is pointed at
it and at the stand-ins by the same MICROSOFT_* settings an operator sets for real Teams), their
people and channels, the app "installed" in each channel once the bot listens, and the page."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.policy.model import Policy
from sandbox.page.routes import Desk
from sandbox.teams import activities
from sandbox.teams.cast import TeamsCast, build_teams_cast, install
from sandbox.teams.config import DEFAULT_TEAMS_ORGS, teams_config
from sandbox.teams.page import TeamsDesk, mount_teams_page
from sandbox.teams.standins import TeamsStandIns

log = logging.getLogger(__name__)
ENV = "CIR_SANDBOX_TEAMS"  # comma-separated council and provider ids; empty: nobody on Teams


def teams_orgs_wanted(
    given: Sequence[str] | None, env: Mapping[str, str], *, exercise: bool
) -> tuple[str, ...]:
    """Who is on Teams: as given, else CIR_SANDBOX_TEAMS, else one council, except in an
    exercise (its scenarios script councils on Slack), where only when asked."""
    if given is None:
        raw = env.get(ENV)
        if raw is None:
            return () if exercise else DEFAULT_TEAMS_ORGS
        given = raw.split(",")
    return tuple(dict.fromkeys(o.strip() for o in given if o.strip()))


@dataclass
class TeamsSide:
    standins: TeamsStandIns
    config_dir: Path
    scratch: tempfile.TemporaryDirectory[str] = field(repr=False)
    desk: TeamsDesk | None = None

    def env(self) -> dict[str, str]:
        return self.standins.env() | {"CIR_CONFIG_DIR": str(self.config_dir)}

    def mount(
        self, app: web.Application, desk: Desk, policy: Policy, banner: Callable[[], str]
    ) -> TeamsCast:
        cast = build_teams_cast(self.standins.connector, self.standins.app, policy)
        self.desk = TeamsDesk(self.standins, cast, banner=banner)
        mount_teams_page(app, desk, self.desk)
        return cast

    async def installed(self, bot_url: str) -> None:
        """The app added to each organisation's channel, as Teams tells the bot."""
        if self.desk is None:
            raise RuntimeError("mount the Teams page first")
        self.desk.bot_url = bot_url
        origin = activities.Origin(self.standins.service_url, self.standins.app)
        try:
            answers = await install(
                self.desk.cast, origin, self.standins.identity, bot_url, self.desk.http()
            )
        except aiohttp.ClientError as exc:
            log.warning("the sandbox could not tell the bot about its Teams channels: %s", exc)
            return
        if any(status != 200 for status in answers):
            log.warning("the bot did not take the sandbox's Teams channels: %s", answers)


async def start_teams(org_ids: Sequence[str], config_dir: Path) -> TeamsSide:
    standins = TeamsStandIns()
    await standins.start()
    scratch = tempfile.TemporaryDirectory(prefix="cir-sandbox-teams-")
    try:
        config = teams_config(config_dir, Path(scratch.name) / "config", org_ids)
    except BaseException:
        await standins.stop()
        scratch.cleanup()
        raise
    return TeamsSide(standins, config, scratch)


async def stop_teams(side: TeamsSide) -> None:
    if side.desk is not None:
        await side.desk.close()
    await side.standins.stop()
    side.scratch.cleanup()


def wanted_from_cli(value: str | None) -> None:
    """`--teams` on the command line: sets CIR_SANDBOX_TEAMS for start_sandbox to read."""
    if value is not None:
        os.environ[ENV] = value
