"""One incident, two platforms: MHCLG on Slack, the council and the provider on Teams, in the
same running service. What the provider and the council do on Teams (through /api/messages, as
Teams posts it) reaches the incident's Slack channel, marked with who said it for which
organisation, and typed text stays inert there."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from bot.domain.bindings import Platform
from bot.policy.model import Policy, TeamsPlace
from sandbox.teams import activities
from sandbox.teams.directory import Conversation, Person
from sandbox.teams.standins import TeamsStandIns
from tests.integration.slack_harness import SlackEnv
from tests.integration.slack_response_steps import responding

COUNCIL_TENANT = "66666666-6666-4666-8666-666666666666"
PROVIDER_TENANT = "77777777-7777-4777-8777-777777777777"


@pytest.fixture
async def teams() -> AsyncIterator[TeamsStandIns]:
    async with TeamsStandIns() as standins:
        yield standins


@pytest.fixture
def service_env(teams: TeamsStandIns) -> dict[str, str]:
    return teams.env()  # Slack (the harness's) and Teams in one service


@pytest.fixture
def policy_edit(teams: TeamsStandIns) -> Callable[[Policy], Policy]:
    def edit(policy: Policy) -> Policy:
        from dataclasses import replace

        hackney = replace(
            policy.councils["hackney"],
            platform=Platform.TEAMS,
            teams=TeamsPlace(COUNCIL_TENANT, teams.service_url),
        )
        kpmg = replace(
            policy.providers["kpmg"],
            platform=Platform.TEAMS,
            paging_channel="",
            teams=TeamsPlace(PROVIDER_TENANT, teams.service_url),
        )
        return replace(
            policy,
            councils={**policy.councils, "hackney": hackney},
            providers={**policy.providers, "kpmg": kpmg},
        )

    return edit


async def post(
    env: SlackEnv, teams: TeamsStandIns, activity: dict[str, object]
) -> tuple[int, object]:
    url = str(env.server.make_url("/api/messages"))
    async with aiohttp.ClientSession() as http:
        answer = await activities.post_signed(http, url, activity, teams.identity)
    await env.tasks.drain(within=15)
    return answer


async def installed(
    env: SlackEnv, teams: TeamsStandIns, tenant: str, name: str
) -> tuple[Conversation, Person]:
    where = teams.connector.add_channel(tenant, teams.app)
    who = teams.connector.add_person(tenant, name)
    origin = activities.Origin(teams.service_url, teams.app)
    status, _ = await post(env, teams, activities.bot_installed(origin, where, who))
    assert status == 200
    return where, who


async def test_what_the_council_and_provider_do_on_teams_reaches_mhclg_on_slack(
    slack_env: SlackEnv, teams: TeamsStandIns
) -> None:
    env = slack_env
    kpmg, kim = await installed(env, teams, PROVIDER_TENANT, "Kim <!here> Responder")
    hackney, hana = await installed(env, teams, COUNCIL_TENANT, "Hana Council")
    incident_id, channel = await responding(env)
    origin = activities.Origin(teams.service_url, teams.app)

    update = {"value": incident_id, "what_changed": "<!channel> servers isolated",
              "impact": "Benefits down", "next_steps": "Rebuild AD"}  # fmt: skip
    status, answer = await post(
        env, teams, activities.card_action(origin, kpmg, kim, "status_update_form", update)
    )
    assert status == 200
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"  # type: ignore[index]
    note = {"value": incident_id, "note": "Backups found offsite"}
    status, _ = await post(
        env, teams, activities.card_action(origin, hackney, hana, "note_form", note)
    )
    assert status == 200

    said = [t for t in env.texts(channel) if "Microsoft Teams" in t]
    assert len(said) == 2, env.texts(channel)
    update_line, note_line = said
    assert "KPMG" in update_line
    assert "servers isolated" in update_line
    assert "<!channel>" not in update_line  # typed text stays inert on Slack
    assert "<!here>" not in update_line
    assert "Hana Council (London Borough of Hackney)" in note_line
    assert "Backups found offsite" in note_line
