"""TeamsChat against the sandbox's Bot Connector stand-in (sandbox/teams/), which answers as
Teams does: tokens it issued only, the bot's roster per conversation, Adaptive Cards checked,
28 KB, throttling on demand. The incident card is one card in the council's channel, redrawn in
place; a contact's personal chat opens in their tenant; an uninstalled app is a 403 that a retry
can get past; throttling is waited out as Teams asks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain.conversations import ConversationRef, ConversationType
from bot.ports.chat import OutboundMessage
from bot.usecases.context import CoreContext
from bot.views.card import Fact
from handlers.teams.chat import TeamsChat
from handlers.teams.connector import BotConnector
from sandbox.teams.standins import TeamsStandIns
from tests.integration.activation_steps import activated
from tests.integration.teams_place import TEAMS_USERS, TENANT, on_teams


@pytest.fixture
async def teams() -> AsyncIterator[TeamsStandIns]:
    async with TeamsStandIns() as stand_ins:
        yield stand_ins


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
async def chat_parts(
    teams: TeamsStandIns, ctx: CoreContext, uow_factory, slept: list[float]
) -> AsyncIterator[tuple[TeamsChat, CoreContext]]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    env = teams.env()
    connector = BotConnector(
        app_id=env["MICROSOFT_APP_ID"],
        app_password=env["MICROSOFT_APP_PASSWORD"],
        token_url=env["MICROSOFT_TOKEN_URL"],
        sleep=sleep,
    )
    policy = on_teams(
        ctx.policy, councils=("hackney",), providers=("kpmg",), service_url=teams.service_url
    )
    teams_ctx = replace(ctx, policy=policy)
    yield TeamsChat(connector, uow_factory, teams_ctx, app_id=teams.app.app_id), teams_ctx
    await connector.close()


async def learnt(uows, teams: TeamsStandIns, org: str, conversation_id: str) -> None:
    kind, _, org_id = org.partition(":")
    async with uows() as uow:
        await uow.conversations.save(
            ConversationRef(
                org_kind=kind,
                org_id=org_id,
                tenant_id=TENANT,
                conversation_id=conversation_id,
                service_url=teams.service_url,
                conversation_type=ConversationType.CHANNEL,
                bot_id=teams.app.bot_id,
                updated_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
            )
        )
        await uow.commit()


async def test_the_incident_card_is_one_card_redrawn_in_place(
    teams, chat_parts, uow_factory
) -> None:
    chat, ctx = chat_parts
    channel = teams.connector.add_channel(TENANT, teams.app, "CIR")
    await learnt(uow_factory, teams, "council:hackney", channel.id)
    result = await activated(uow_factory, ctx)
    await chat.refresh_incident(result.incident.id)
    [card] = teams.connector.cards(channel.id)
    assert card["type"] == "AdaptiveCard"
    assert "Activated" in str(card)
    await chat.refresh_incident(result.incident.id)
    assert len(teams.connector.cards(channel.id)) == 1  # updated, not posted again
    assert [c.operation for c in teams.connector.calls] == ["send", "update"]


async def test_a_contact_on_teams_gets_the_escalation_in_a_personal_chat(teams, chat_parts) -> None:
    chat, _ctx = chat_parts
    person = teams.connector.add_person(TENANT, "Kim Escalation", TEAMS_USERS["kpmg"])
    message = OutboundMessage(
        text="Escalation level 1: KPMG has not recorded contact.",
        title="Contact deadline missed",
        facts=(Fact("Note", "typed <at>all</at>", user_text=True),),
        urgent=True,
    )
    delivery = await chat.to_person(TEAMS_USERS["kpmg"], message)
    assert delivery.ok, delivery.error
    personal = teams.connector.personal_chat_with(person)
    assert personal is not None
    [card] = teams.connector.cards(personal.id)
    assert "Contact deadline missed" in str(card)


async def test_an_uninstalled_app_is_a_refusal_a_retry_can_get_past(
    teams, chat_parts, uow_factory
) -> None:
    chat, _ctx = chat_parts
    channel = teams.connector.add_channel(TENANT, teams.app, "CIR")
    await learnt(uow_factory, teams, "provider:kpmg", channel.id)
    teams.connector.remove_bot(channel.id, teams.app)
    message = OutboundMessage(text="Page.", title="CIR activation")
    refused = await chat.to_channel("provider:kpmg", message)
    assert not refused.ok
    assert refused.error.startswith("Teams answered 403")
    assert not refused.final


async def test_throttling_is_waited_out_as_teams_asks(
    teams, chat_parts, uow_factory, slept
) -> None:
    chat, _ctx = chat_parts
    channel = teams.connector.add_channel(TENANT, teams.app, "CIR")
    await learnt(uow_factory, teams, "provider:kpmg", channel.id)
    teams.connector.throttle_next(times=2, retry_after=2.0)
    delivery = await chat.to_channel("provider:kpmg", OutboundMessage(text="Page.", title="T"))
    assert delivery.ok, delivery.error
    assert slept == [2.0, 2.0]
    assert len(teams.connector.cards(channel.id)) == 1
