"""TeamsChat over real HTTP against a Bot Connector stand-in, on SQLite and PostgreSQL: messages
to each Teams organisation of an incident, the incident card posted once and then updated in
place (from another replica too), a personal chat in the contact's tenant, and the failures as
the timeline and MHCLG are told them: not installed, too large, refused, throttled then sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain.conversations import ConversationRef, ConversationType
from bot.ports.chat import OutboundMessage
from bot.usecases.context import CoreContext
from bot.views.card import Fact
from handlers.teams.chat import TeamsCards, TeamsChat
from handlers.teams.connector import BotConnector
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.activation_steps import activated
from tests.integration.teams_place import TEAMS_USERS, TENANT, on_teams
from tests.teams_connector_stand_in import SizedTeamsRig, card_text
from tests.teams_rig import APP_ID, SECRET

HACKNEY_CHAT = "19:hackney-cir@thread.tacv2"
KPMG_CHANNEL = "19:kpmg-cir@thread.tacv2"


@pytest.fixture
async def rig() -> AsyncIterator[SizedTeamsRig]:
    async with SizedTeamsRig() as server:
        yield server


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
async def connector(rig: SizedTeamsRig, slept: list[float]) -> AsyncIterator[BotConnector]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    client = BotConnector(app_id=APP_ID, app_password=SECRET, token_url=rig.token_url, sleep=sleep)
    yield client
    await client.close()


@pytest.fixture
def teams_ctx(ctx: CoreContext, rig: SizedTeamsRig) -> CoreContext:
    policy = on_teams(
        ctx.policy, councils=("hackney",), providers=("kpmg", "accenture"), service_url=rig.url
    )
    return replace(ctx, policy=policy)


def teams_chat(
    connector: BotConnector, uows: SqlUnitOfWorkFactory, ctx: CoreContext, **kw: object
) -> TeamsChat:
    return TeamsChat(connector, uows, ctx, app_id=APP_ID, **kw)  # type: ignore[arg-type]


async def installed(uows: SqlUnitOfWorkFactory, rig: SizedTeamsRig, *orgs: str) -> None:
    """The CIR app added to each organisation's team, as the Teams edge records it."""
    where = {"council:hackney": HACKNEY_CHAT, "provider:kpmg": KPMG_CHANNEL}
    async with uows() as uow:
        for org in orgs:
            kind, _, org_id = org.partition(":")
            await uow.conversations.save(
                ConversationRef(
                    org_kind=kind,
                    org_id=org_id,
                    tenant_id=TENANT,
                    conversation_id=where[org],
                    service_url=rig.url + "/",
                    conversation_type=ConversationType.CHANNEL,
                    bot_id=f"28:{APP_ID}",
                    updated_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
                )
            )
        await uow.commit()


MESSAGE = OutboundMessage(
    text="Status update on the incident, posted on Slack.",
    title="Status update",
    facts=(Fact("What changed", "Backups **verified** <at>all</at>", user_text=True),),
)


async def test_to_incident_reaches_each_teams_organisation_of_the_incident(
    uow_factory, teams_ctx, rig, connector
) -> None:
    result = await activated(uow_factory, teams_ctx)  # KPMG on duty, Hackney's incident
    await installed(uow_factory, rig, "council:hackney", "provider:kpmg")
    chat = teams_chat(connector, uow_factory, teams_ctx)

    delivery = await chat.to_incident(result.incident.id, MESSAGE)

    assert delivery.ok, delivery.error
    assert delivery.route == f"teams:{HACKNEY_CHAT}+teams:{KPMG_CHANNEL}"
    for conversation in (HACKNEY_CHAT, KPMG_CHANNEL):
        [(method, activity)] = rig.activities_to(conversation)
        assert method == "POST"
        assert activity["type"] == "message"
        attached = activity["attachments"][0]
        assert attached["contentType"] == "application/vnd.microsoft.card.adaptive"
        shown = card_text(activity)
        assert "Status update" in shown
        assert "<at>" not in shown  # a typed mention pings nobody
        assert activity["summary"].startswith("[OFFICIAL] Status update")


async def test_an_organisation_without_the_app_is_named_and_can_be_retried(
    uow_factory, teams_ctx, rig, connector
) -> None:
    await activated(uow_factory, teams_ctx)
    chat = teams_chat(connector, uow_factory, teams_ctx)
    delivery = await chat.to_channel("provider:kpmg", MESSAGE)
    assert not delivery.ok
    assert not delivery.final  # installing the app makes a retry succeed
    assert "KPMG" in delivery.error
    assert "has not been added" in delivery.error
    assert rig.calls == []

    await installed(uow_factory, rig, "provider:kpmg")
    assert (await chat.to_channel("provider:kpmg", MESSAGE)).ok


async def test_the_card_is_posted_once_then_updated_in_place_from_any_replica(
    uow_factory, teams_ctx, rig, connector
) -> None:
    result = await activated(uow_factory, teams_ctx)
    await installed(uow_factory, rig, "council:hackney")
    incident_id = result.incident.id
    await teams_chat(connector, uow_factory, teams_ctx).refresh_incident(incident_id)
    [(first, card)] = rig.activities_to(HACKNEY_CHAT)
    assert first == "POST"
    assert "Activated" in card_text(card)
    async with uow_factory() as uow:
        [stored] = await uow.teams_cards.for_incident(incident_id)
    assert stored.conversation_id == HACKNEY_CHAT
    assert stored.org_id == "hackney"

    # another replica, after a restart: the same card, updated in place
    other = BotConnector(app_id=APP_ID, app_password=SECRET, token_url=rig.token_url)
    try:
        await teams_chat(other, uow_factory, teams_ctx).refresh_incident(incident_id)
    finally:
        await other.close()
    methods = [m for m, _ in rig.activities_to(HACKNEY_CHAT)]
    assert methods == ["POST", "PUT"]
    [put_path] = [p for m, p, _, _ in rig.calls if m == "PUT"]
    assert put_path.endswith(f"/activities/{stored.activity_id}")
    # the refresh names the council's people on Teams, so each sees their own buttons
    _, updated = rig.activities_to(HACKNEY_CHAT)[-1]
    refresh = updated["attachments"][0]["content"]["refresh"]
    assert refresh["userIds"] == [f"8:orgid:{TEAMS_USERS['hackney']}"]


async def test_a_card_deleted_in_teams_is_posted_again(
    uow_factory, teams_ctx, rig, connector
) -> None:
    result = await activated(uow_factory, teams_ctx)
    await installed(uow_factory, rig, "council:hackney")
    chat = teams_chat(connector, uow_factory, teams_ctx)
    await chat.refresh_incident(result.incident.id)
    rig.queued.append((404, {"error": {"code": "ActivityNotFoundInConversation"}}, {}))
    await chat.refresh_incident(result.incident.id)
    assert [m for m, _ in rig.activities_to(HACKNEY_CHAT)] == ["POST", "PUT", "POST"]
    async with uow_factory() as uow:
        [stored] = await uow.teams_cards.for_incident(result.incident.id)
    assert stored.activity_id == f"act-{len(rig.calls)}"  # the new card's id


async def test_a_contact_on_teams_gets_a_personal_chat_in_their_tenant(
    uow_factory, teams_ctx, rig, connector
) -> None:
    chat = teams_chat(connector, uow_factory, teams_ctx)
    user = TEAMS_USERS["kpmg"]
    delivery = await chat.to_person(user, MESSAGE)
    assert delivery.ok, delivery.error
    assert delivery.route == f"teams:dm:{user}"
    method, path, body, _ = rig.calls[0]
    assert (method, path) == ("POST", "/v3/conversations")
    assert body["tenantId"] == TENANT
    assert body["members"] == [{"id": user}]
    assert body["bot"] == {"id": f"28:{APP_ID}"}
    [(_, activity)] = rig.activities_to(f"a:1on1-{user}")
    assert "Status update" in card_text(activity)


async def test_without_a_configured_service_url_the_installed_apps_is_used(
    uow_factory, ctx, rig, connector
) -> None:
    """Config may leave teams.service_url out: the personal chat is then opened at the address
    Teams gave when KPMG added the app, as Microsoft advises; before that it is retried."""
    no_url = replace(ctx, policy=on_teams(ctx.policy, providers=("kpmg",), service_url=""))
    chat = teams_chat(connector, uow_factory, no_url)
    user = TEAMS_USERS["kpmg"]
    before = await chat.to_person(user, MESSAGE)
    assert not before.ok
    assert not before.final  # adding the app gives an address: worth trying again
    assert "has not added the CIR app" in before.error
    assert rig.calls == []
    await installed(uow_factory, rig, "provider:kpmg")
    after = await chat.to_person(user, MESSAGE)
    assert after.ok, after.error
    method, path, body, _ = rig.calls[0]
    assert (method, path) == ("POST", "/v3/conversations")
    assert body["tenantId"] == TENANT
    [(_, activity)] = rig.activities_to(f"a:1on1-{user}")
    assert "Status update" in card_text(activity)


async def test_nobody_configured_on_teams_is_final(uow_factory, teams_ctx, connector) -> None:
    chat = teams_chat(connector, uow_factory, teams_ctx)
    stranger = await chat.to_person("00000000-0000-0000-0000-00000000dead", MESSAGE)
    assert not stranger.ok
    assert stranger.final
    not_teams = await chat.to_channel("council:leeds", MESSAGE)
    assert not not_teams.ok
    assert not_teams.final


async def test_throttling_is_retried_by_the_client_then_sent(
    uow_factory, teams_ctx, rig, connector, slept
) -> None:
    await activated(uow_factory, teams_ctx)
    await installed(uow_factory, rig, "provider:kpmg")
    rig.queued.append((429, {"error": {"code": "Throttled"}}, {"Retry-After": "3"}))
    delivery = await teams_chat(connector, uow_factory, teams_ctx).to_channel(
        "provider:kpmg", MESSAGE
    )
    assert delivery.ok
    assert slept == [3.0]
    assert len(rig.activities_to(KPMG_CHANNEL)) == 2  # refused once, then accepted


async def test_refusals_say_what_teams_answered(uow_factory, teams_ctx, rig, connector) -> None:
    await activated(uow_factory, teams_ctx)
    await installed(uow_factory, rig, "provider:kpmg")
    chat = teams_chat(connector, uow_factory, teams_ctx)
    rig.queued.append((403, {"error": {"code": "BotNotInConversationRoster"}}, {}))
    removed = await chat.to_channel("provider:kpmg", MESSAGE)
    assert not removed.ok
    assert removed.error == "Teams answered 403 (BotNotInConversationRoster)"
    assert not removed.final  # the app added again, a retry gets through

    huge = TeamsCards(outbound=lambda m: {"type": "AdaptiveCard", "body": ["x" * 40_000]})
    too_big = await teams_chat(connector, uow_factory, teams_ctx, cards=huge).to_channel(
        "provider:kpmg", MESSAGE
    )
    assert not too_big.ok
    assert too_big.final  # the same message will never fit
    assert too_big.error == "Teams answered 413 (MessageSizeTooBig)"


async def test_whatever_people_type_the_message_fits_teams_limit(
    uow_factory, teams_ctx, rig, connector
) -> None:
    await activated(uow_factory, teams_ctx)
    await installed(uow_factory, rig, "provider:kpmg")
    typed = tuple(
        Fact(f"Field {i}", "é" * 3000 + "<at>x</at>" * 50, user_text=True) for i in range(12)
    )
    delivery = await teams_chat(connector, uow_factory, teams_ctx).to_channel(
        "provider:kpmg", replace(MESSAGE, facts=typed)
    )
    assert delivery.ok, delivery.error


async def test_to_incident_names_the_organisation_it_did_not_reach(
    uow_factory, teams_ctx, rig, connector
) -> None:
    result = await activated(uow_factory, teams_ctx)
    await installed(uow_factory, rig, "provider:kpmg")  # Hackney has not added the app
    delivery = await teams_chat(connector, uow_factory, teams_ctx).to_incident(
        result.incident.id, MESSAGE
    )
    assert delivery.ok  # KPMG has it; posting again would repeat it there
    assert "London Borough of Hackney" in delivery.error
    assert len(rig.activities_to(KPMG_CHANNEL)) == 1


async def test_a_card_teams_will_never_take_is_on_the_timeline(
    uow_factory, teams_ctx, rig, connector
) -> None:
    result = await activated(uow_factory, teams_ctx)
    await installed(uow_factory, rig, "council:hackney")
    huge = TeamsCards(incident=lambda card, viewers: {"type": "AdaptiveCard", "x": "y" * 40_000})
    await teams_chat(connector, uow_factory, teams_ctx, cards=huge).refresh_incident(
        result.incident.id
    )
    async with uow_factory() as uow:
        events = await uow.timeline.for_incident(result.incident.id)
        assert await uow.teams_cards.for_incident(result.incident.id) == []
    [refused] = [e.data for e in events if e.kind == "MessageRefused"]
    assert refused == {
        "platform": "teams",
        "what": "incident card",
        "error": "Teams answered 413 (MessageSizeTooBig)",
    }


async def test_redraws_at_once_take_turns_and_leave_nothing_behind(
    uow_factory, teams_ctx, rig, connector
) -> None:
    result = await activated(uow_factory, teams_ctx)
    await installed(uow_factory, rig, "council:hackney")
    chat = teams_chat(connector, uow_factory, teams_ctx)
    await asyncio.gather(*(chat.refresh_incident(result.incident.id) for _ in range(4)))
    methods = [m for m, _ in rig.activities_to(HACKNEY_CHAT)]
    assert methods == ["POST", "PUT", "PUT", "PUT"]  # one card, never posted twice
    assert chat._redraws == {}
