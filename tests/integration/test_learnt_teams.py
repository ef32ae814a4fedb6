"""The lookup identity asks on every click: confirmed workspaces only, read whole and cached,
forgotten at once where the confirmation happened, the last answer kept if the database is
away; and `check-config` naming the councils nobody can yet act for."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.app.cli import main
from bot.domain.bindings import Platform
from bot.domain.org_bindings import BindingStatus, TeamBinding
from bot.usecases.context import CoreContext
from bot.usecases.org_bindings import LearntTeams
from bot.usecases.referral import open_referral
from tests.factories import referral_cmd


async def bound(uow_factory, ctx: CoreContext, team: str, status: BindingStatus) -> None:
    incident = await open_referral(referral_cmd(ctx.clock), uow_factory(), ctx)
    async with uow_factory() as uow:
        await uow.org_bindings.save(
            TeamBinding(
                Platform.SLACK,
                team,
                "council",
                "hackney",
                status,
                incident.id,
                "U1",
                ctx.clock.now(),
            )
        )
        await uow.commit()


async def test_only_confirmed_workspaces_count_and_a_confirmation_shows_within_a_minute(
    uow_factory, ctx, clock
) -> None:
    teams = LearntTeams(uow_factory, ctx)
    await bound(uow_factory, ctx, "T0WAITING", BindingStatus.PENDING)
    assert await teams.council_for("T0WAITING") is None
    await bound(uow_factory, ctx, "T0HACKNEY", BindingStatus.CONFIRMED)
    assert await teams.council_for("T0HACKNEY") is None  # another replica's: cached answer
    clock.advance(seconds=60)
    assert await teams.council_for("T0HACKNEY") == "hackney"
    await bound(uow_factory, ctx, "T0REJECTED", BindingStatus.REJECTED)
    teams.forget()  # this replica saw the decision
    assert await teams.council_for("T0REJECTED") is None

    def unavailable():
        raise ConnectionError("database away")

    away = LearntTeams(unavailable, ctx)
    assert await away.council_for("T0HACKNEY") is None  # nothing known: nobody recognised
    teams._uow = unavailable
    clock.advance(seconds=61)
    assert await teams.council_for("T0HACKNEY") == "hackney"  # the last answer stands

    gone = CoreContext(clock, replace(ctx.policy, councils={}))
    assert await LearntTeams(uow_factory, gone).council_for("T0HACKNEY") is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_check_config_warns_of_councils_that_cannot_yet_be_recognised(
    database_url: str, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CIR_AUTO_MIGRATE", "1")
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "configuration OK (9 councils)" in out
    assert "warning: 6 council(s) invited by Slack Connect cannot be recognised" in out
    assert "hackney" in out
    assert "copeland" not in out
