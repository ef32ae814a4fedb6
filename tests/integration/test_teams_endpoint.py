"""`/api/messages` in the real app: Bot Framework activities as Teams sends them, signed as
Bot Framework signs them (the sandbox's stand-ins), on SQLite and PostgreSQL. Who may act is
the tenant AND the conversation; anything else is refused in words and changes nothing."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.conversations import ConversationType
from bot.domain.incident import MouStatus
from bot.domain.states import State
from bot.usecases.referral import open_referral
from handlers.teams.endpoint import READY
from sandbox.teams.keys import fresh_key
from tests.factories import referral_cmd
from tests.integration.activation_steps import activated, awaiting_mou, snapshot, timeline
from tests.integration.teams_harness import (
    HACKNEY_TENANT,
    KPMG_TENANT,
    STRANGER_TENANT,
    TeamsEnv,
    card_text,
    verbs,
)

MESSAGE = "application/vnd.microsoft.activity.message"


async def stored(env: TeamsEnv, conversation: str) -> Any:
    async with env.container.uow() as uow:
        return await uow.conversations.by_id(conversation)


async def installed_everywhere(env: TeamsEnv) -> None:
    assert (await env.post(env.installed(env.kpmg, env.kim)))[0] == 200
    assert (await env.post(env.installed(env.hackney, env.hana)))[0] == 200


async def active_incident(env: TeamsEnv) -> str:
    result = await activated(env.container.uow, env.container.ctx)
    return result.incident.id


# --- installation and conversations --------------------------------------------------------


async def test_installing_the_app_stores_the_conversation_for_its_tenants_organisation(
    teams_env: TeamsEnv,
) -> None:
    status, _ = await teams_env.post(teams_env.installed(teams_env.hackney, teams_env.hana))
    assert status == 200
    ref = await stored(teams_env, teams_env.hackney.id)
    assert (ref.org_kind, ref.org_id, ref.tenant_id) == ("council", "hackney", HACKNEY_TENANT)
    assert ref.service_url == teams_env.teams.service_url
    assert ref.conversation_type is ConversationType.CHANNEL
    assert ref.bot_id == teams_env.teams.app.bot_id
    # the bot says hello where it was installed, through the Bot Connector
    assert teams_env.said(teams_env.hackney) == [READY]


async def test_an_unknown_tenant_is_told_so_and_nothing_is_stored(teams_env: TeamsEnv) -> None:
    connector = teams_env.teams.connector
    elsewhere = connector.add_channel(STRANGER_TENANT, teams_env.teams.app)
    stranger = connector.add_person(STRANGER_TENANT, "Sam Stranger")
    status, _ = await teams_env.post(teams_env.installed(elsewhere, stranger))
    assert status == 200
    assert await stored(teams_env, elsewhere.id) is None
    (said,) = teams_env.said(elsewhere)
    assert "not one the CIR service knows" in said
    # a button from there is refused in the answer, and nothing is stored either
    status, answer = await teams_env.post(
        teams_env.invoke(elsewhere, stranger, "acknowledge_page", "CIR-2026-0001")
    )
    assert status == 200
    assert answer["type"] == MESSAGE
    assert "not one the CIR service knows" in answer["value"]
    assert await stored(teams_env, elsewhere.id) is None


async def test_a_conversation_first_addressed_is_learnt(teams_env: TeamsEnv) -> None:
    chat = teams_env.teams.connector.add_group_chat(
        KPMG_TENANT, teams_env.teams.app, (teams_env.kim,)
    )
    status, _ = await teams_env.post(teams_env.message(chat, teams_env.kim, "help"))
    assert status == 200
    ref = await stored(teams_env, chat.id)
    assert (ref.org_kind, ref.org_id) == ("provider", "kpmg")
    assert ref.conversation_type is ConversationType.GROUP_CHAT
    assert "CIR bot on Teams" in teams_env.said(chat)[-1]


# --- authentication and malformed input --------------------------------------------------

TOKENS = ["none", "garbage", "wrong audience", "expired", "other serviceUrl", "foreign key"]


@pytest.mark.parametrize("token", TOKENS)
async def test_requests_without_a_valid_bot_framework_token_are_refused(
    teams_env: TeamsEnv, token: str
) -> None:
    identity, app, service = (
        teams_env.teams.identity,
        teams_env.teams.app,
        teams_env.teams.service_url,
    )
    headers = {
        "none": "",
        "garbage": "Bearer abc.def.ghi",
        "wrong audience": f"Bearer {identity.mint('someone-else', service)}",
        "expired": f"Bearer {identity.mint(app.app_id, service, issued_at=time.time() - 7200)}",
        "other serviceUrl": f"Bearer {identity.mint(app.app_id, 'https://smba.example/uk/')}",
        "foreign key": f"Bearer {identity.mint(app.app_id, service, key=fresh_key())}",
    }
    activity = teams_env.installed(teams_env.hackney, teams_env.hana)
    status, _ = await teams_env.post(activity, authorization=headers[token])
    assert status == 401
    assert await stored(teams_env, teams_env.hackney.id) is None
    assert teams_env.said(teams_env.hackney) == []


MALFORMED: list[tuple[str, bytes, str]] = [
    ("not json", b"{nope", "not JSON"),
    ("a list", b"[]", "not a JSON object"),
    ("no type", b'{"channelId": "msteams"}', "type is missing"),
    ("other channel", b'{"type": "message", "channelId": "webchat"}', "msteams only"),
]


@pytest.mark.parametrize(("case", "body", "reason"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_malformed_bodies_are_a_400(
    teams_env: TeamsEnv, case: str, body: bytes, reason: str
) -> None:
    status, answer = await teams_env.post(body)
    assert status == 400
    assert reason in answer["error"]["message"]


BROKEN_FIELDS: list[tuple[str, dict[str, Any], str]] = [
    ("no from", {"from": None}, "from is missing"),
    ("from not an object", {"from": "kim"}, "from is not an object"),
    ("no aad id", {"from": {"id": "29:x", "name": "x"}}, "from.aadObjectId is missing"),
    ("numeric conversation id", {"conversation": {"id": 7}}, "conversation.id is not a string"),
    ("no tenant", {"channelData": {}, "conversation": {"id": "19:x"}}, "tenant"),
    ("two tenants", {"channelData": {"tenant": {"id": STRANGER_TENANT}}}, "differ"),
    ("odd conversation type", {"conversation": {"id": "19:x", "conversationType": "x",
                                                 "tenantId": KPMG_TENANT}}, "conversationType"),
    ("no id", {"id": None}, "id is missing"),
    ("value not an action", {"value": {"action": "acknowledge_page"}}, "value.action"),
    ("data not an object", {"value": {"action": {"type": "Action.Execute", "verb": "x",
                                                 "data": [1]}}}, "data is not an object"),
    ("data not text", {"value": {"action": {"type": "Action.Execute", "verb": "x",
                                            "data": {"value": {"a": 1}}}}}, "not text"),
    ("not Action.Execute", {"value": {"action": {"type": "Action.Submit", "verb": "x"}}},
     "Action.Execute"),
    ("serviceUrl not https", {"serviceUrl": "ftp://x/"}, "serviceUrl"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "change", "reason"), BROKEN_FIELDS, ids=[b[0] for b in BROKEN_FIELDS]
)
async def test_an_activity_with_a_broken_field_is_a_400_naming_it_and_changes_nothing(
    teams_env: TeamsEnv, case: str, change: dict[str, Any], reason: str
) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    before = await snapshot(teams_env.container.uow, incident_id)
    activity = {
        **teams_env.invoke(teams_env.kpmg, teams_env.kim, "acknowledge_page", incident_id),
        **change,
    }
    body = json.dumps(activity).encode()
    status, answer = await teams_env.post(body)
    assert status == 400, answer
    assert reason in answer["error"]["message"]
    assert await snapshot(teams_env.container.uow, incident_id) == before


# --- the page: acknowledge and contact made -------------------------------------------------


async def test_the_provider_acknowledges_on_teams_and_sees_the_refreshed_card(
    teams_env: TeamsEnv,
) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    kim = teams_env.kim
    status, answer = await teams_env.post(
        teams_env.invoke(teams_env.kpmg, kim, "acknowledge_page", incident_id)
    )
    assert status == 200
    assert "Kim Responder" in card_text(answer)
    assert "contact_made" in verbs(answer)
    assert kim.user_id in answer["value"]["refresh"]["userIds"]
    events = await timeline(teams_env.container.uow, incident_id)
    (ack,) = [e for e in events if e.kind == "PageAcknowledged"]
    assert ack.actor_id == f"teams:{KPMG_TENANT}:{kim.aad_object_id}"
    assert ack.organisation == "provider:kpmg"


async def test_a_replayed_or_double_clicked_acknowledgement_changes_nothing(
    teams_env: TeamsEnv,
) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    click = teams_env.invoke(teams_env.kpmg, teams_env.kim, "acknowledge_page", incident_id)
    assert (await teams_env.post(click))[0] == 200
    after_first = await snapshot(teams_env.container.uow, incident_id)
    events_after_first = await timeline(teams_env.container.uow, incident_id)

    status, replayed = await teams_env.post(click)  # the same activity again
    assert status == 200
    assert "Kim Responder" in card_text(replayed)  # the card as it stands
    again = teams_env.invoke(teams_env.kpmg, teams_env.kim, "acknowledge_page", incident_id)
    status, second = await teams_env.post(again)  # a second click
    assert status == 200
    assert "already acknowledged" in second["value"]

    assert await snapshot(teams_env.container.uow, incident_id) == after_first
    events = await timeline(teams_env.container.uow, incident_id)
    assert len([e for e in events if e.kind != "ActionRefused"]) == len(events_after_first)


async def test_the_council_cannot_acknowledge_the_providers_page(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    before = await snapshot(teams_env.container.uow, incident_id)
    status, answer = await teams_env.post(
        teams_env.invoke(teams_env.hackney, teams_env.hana, "acknowledge_page", incident_id)
    )
    assert status == 200
    assert answer["type"] == MESSAGE
    assert await snapshot(teams_env.container.uow, incident_id) == before


async def test_someone_from_another_tenant_in_the_providers_channel_is_no_one(
    teams_env: TeamsEnv,
) -> None:
    """A guest or a forwarded card: the conversation is KPMG's, the tenant is not."""
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    before = await snapshot(teams_env.container.uow, incident_id)
    activity = teams_env.invoke(teams_env.kpmg, teams_env.hana, "acknowledge_page", incident_id)
    activity["conversation"]["tenantId"] = HACKNEY_TENANT
    activity["channelData"]["tenant"]["id"] = HACKNEY_TENANT
    status, answer = await teams_env.post(activity)
    assert status == 200
    assert "not one the CIR service knows" in answer["value"]
    assert await snapshot(teams_env.container.uow, incident_id) == before


async def test_an_unknown_button_changes_nothing(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    before = await snapshot(teams_env.container.uow, incident_id)
    status, answer = await teams_env.post(
        teams_env.invoke(teams_env.kpmg, teams_env.kim, "drop_tables", incident_id)
    )
    assert (status, answer["type"]) == (200, MESSAGE)
    assert "not one the CIR bot knows" in answer["value"]
    assert await snapshot(teams_env.container.uow, incident_id) == before


async def test_contact_made_opens_the_form_then_records_contact(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    status, form = await teams_env.post(
        teams_env.invoke(teams_env.kpmg, teams_env.kim, "contact_made", incident_id)
    )
    assert status == 200
    assert "contact_form" in verbs(form)
    teams_env.clock.advance(timedelta(minutes=10))
    when = teams_env.clock.now() - timedelta(minutes=5)
    from handlers.teams.render.inputs import uk_local

    day, clock = uk_local(when)
    inputs = {"contact_date": day, "contact_time": clock, "method": "phone", "notes": "CISO"}
    status, answer = await teams_env.post(
        teams_env.invoke(teams_env.kpmg, teams_env.kim, "contact_form", incident_id, **inputs)
    )
    assert status == 200
    assert "Containment" in card_text(answer)
    assert (await teams_env.incident(incident_id)).state is State.CONTAINMENT


async def test_contact_without_a_time_is_refused_in_words(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    before = await snapshot(teams_env.container.uow, incident_id)
    inputs = {"contact_date": "yesterday-ish", "contact_time": "", "method": "phone"}
    status, answer = await teams_env.post(
        teams_env.invoke(teams_env.kpmg, teams_env.kim, "contact_form", incident_id, **inputs)
    )
    assert status == 200
    assert answer["value"] == "Give the date and time contact was made."
    assert await snapshot(teams_env.container.uow, incident_id) == before


# --- the council: MoU and typed commands -----------------------------------------------------


async def test_the_council_confirms_the_mou_signed_on_teams(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    incident_id = await awaiting_mou(teams_env.container.uow, teams_env.container.ctx, signed=False)
    status, answer = await teams_env.post(
        teams_env.invoke(teams_env.hackney, teams_env.hana, "mou_signed", incident_id)
    )
    assert status == 200
    assert "activate" in verbs(answer)
    assert (await teams_env.incident(incident_id)).mou_status is MouStatus.SIGNED


async def test_status_lists_only_the_organisations_own_incidents(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    ours = await teams_env.incident(await active_incident(teams_env))
    ctx = teams_env.container.ctx
    theirs = await open_referral(
        referral_cmd(ctx.clock, council_id="leeds"), teams_env.container.uow(), ctx
    )
    await teams_env.post(teams_env.message(teams_env.hackney, teams_env.hana, "status"))
    said = teams_env.said(teams_env.hackney)[-1]
    assert str(ours.reference) in said
    assert "Activated" in said
    assert str(theirs.reference) not in said


async def test_a_council_asking_to_report_is_told_how(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    await teams_env.post(teams_env.message(teams_env.hackney, teams_env.hana, "report"))
    said = teams_env.said(teams_env.hackney)[-1]
    assert said.startswith("Only MHCLG's CIR team can log a referral.")
    assert "report.ncsc.gov.uk" in said
    async with teams_env.container.uow() as uow:
        assert await uow.incidents.list_open() == []


async def test_being_addressed_elsewhere_does_not_move_the_organisations_cards(
    teams_env: TeamsEnv,
) -> None:
    """Cards go where the app was installed; a chat the bot is addressed from later is stored
    so its people can act, and becomes the organisation's only when the app is added there."""
    await installed_everywhere(teams_env)
    chat = teams_env.teams.connector.add_group_chat(
        KPMG_TENANT, teams_env.teams.app, (teams_env.kim,)
    )
    teams_env.clock.advance(timedelta(minutes=5))
    await teams_env.post(teams_env.message(chat, teams_env.kim, "status"))
    async with teams_env.container.uow() as uow:
        assert (await uow.conversations.by_id(chat.id)) is not None
        assert (await uow.conversations.of_org("provider", "kpmg")).conversation_id == (  # type: ignore[union-attr]
            teams_env.kpmg.id
        )
    await teams_env.post(teams_env.installed(chat, teams_env.kim))
    async with teams_env.container.uow() as uow:
        assert (await uow.conversations.of_org("provider", "kpmg")).conversation_id == chat.id  # type: ignore[union-attr]


async def test_a_card_refreshes_only_for_those_who_may_see_the_incident(
    teams_env: TeamsEnv,
) -> None:
    await installed_everywhere(teams_env)
    ctx = teams_env.container.ctx
    ours = await active_incident(teams_env)
    leeds = await open_referral(
        referral_cmd(ctx.clock, council_id="leeds", description="Leeds payroll encrypted"),
        teams_env.container.uow(),
        ctx,
    )
    status, card = await teams_env.post(
        teams_env.invoke(teams_env.hackney, teams_env.hana, "refresh", ours)
    )
    assert status == 200
    assert "Activated" in card_text(card)
    status, refused = await teams_env.post(
        teams_env.invoke(teams_env.hackney, teams_env.hana, "refresh", str(leeds.reference))
    )
    assert (status, refused["type"]) == (200, MESSAGE)
    assert "Leeds" not in refused["value"]
    assert "payroll" not in json.dumps(refused)


async def test_a_personal_chat_is_stored_with_its_person(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    chat = teams_env.teams.connector.directory.personal(teams_env.teams.app.bot_id, teams_env.hana)
    await teams_env.post(teams_env.message(chat, teams_env.hana, "status"))
    ref = await stored(teams_env, chat.id)
    assert ref.conversation_type is ConversationType.PERSONAL
    assert ref.user_id == teams_env.hana.aad_object_id
    assert (ref.org_kind, ref.org_id) == ("council", "hackney")
    assert teams_env.said(chat) == ["No open incidents for your organisation."]


async def test_a_failure_inside_is_told_in_words_never_a_500(
    teams_env: TeamsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database (or Teams) failing mid-flow: the person is told nothing was changed."""
    from handlers.teams import flows

    async def broken(*args: Any) -> None:
        raise OSError("database unreachable")

    monkeypatch.setitem(flows.FLOWS, "acknowledge_page", broken)
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    status, answer = await teams_env.post(
        teams_env.invoke(teams_env.kpmg, teams_env.kim, "acknowledge_page", incident_id)
    )
    assert (status, answer["type"]) == (200, MESSAGE)
    assert "could not be stored" in answer["value"]


async def test_a_malformed_invoke_from_a_new_conversation_stores_nothing(
    teams_env: TeamsEnv,
) -> None:
    chat = teams_env.teams.connector.add_group_chat(
        KPMG_TENANT, teams_env.teams.app, (teams_env.kim,)
    )
    activity = teams_env.invoke(chat, teams_env.kim, "acknowledge_page", "CIR-2026-0001")
    activity["value"]["action"]["data"] = ["not", "an", "object"]
    status, answer = await teams_env.post(json.dumps(activity).encode())
    assert status == 400
    assert "data is not an object" in answer["error"]["message"]
    assert await stored(teams_env, chat.id) is None
