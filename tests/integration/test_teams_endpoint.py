"""`/api/messages` in the real app: Bot Framework activities as Teams sends them, signed by a
local OpenID stand-in's key, on SQLite and PostgreSQL. Who may act is the tenant AND the
conversation; anything else is refused in words and changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.conversations import ConversationType
from bot.domain.states import State
from handlers.teams.endpoint import READY
from tests.integration.activation_steps import activated, snapshot, timeline
from tests.integration.teams_harness import (
    HACKNEY_CHANNEL,
    HACKNEY_TENANT,
    HANA,
    KPMG_CHANNEL,
    KPMG_TENANT,
    STRANGER_TENANT,
    TeamsEnv,
    card_text,
    verbs,
)
from tests.teams_rig import mint

pytest_plugins = ["tests.integration.teams_harness"]

HANA_AT_HACKNEY: dict[str, Any] = {
    "tenant": HACKNEY_TENANT,
    "user": HANA,
    "display": "Hana Council",
    "conversation": HACKNEY_CHANNEL,
}


async def stored(env: TeamsEnv, conversation: str) -> Any:
    async with env.container.uow() as uow:
        return await uow.conversations.by_id(conversation)


async def installed_everywhere(env: TeamsEnv) -> None:
    assert (await env.post(env.installed()))[0] == 200
    assert (await env.post(env.installed(**HANA_AT_HACKNEY)))[0] == 200


async def active_incident(env: TeamsEnv) -> str:
    result = await activated(env.container.uow, env.container.ctx)
    return result.incident.id


# --- installation and conversations --------------------------------------------------------


async def test_installing_the_app_stores_the_conversation_for_its_tenants_organisation(
    teams_env: TeamsEnv,
) -> None:
    status, _ = await teams_env.post(teams_env.installed(**HANA_AT_HACKNEY))
    assert status == 200
    ref = await stored(teams_env, HACKNEY_CHANNEL)
    assert (ref.org_kind, ref.org_id, ref.tenant_id) == ("council", "hackney", HACKNEY_TENANT)
    assert ref.service_url == teams_env.service_url
    assert ref.conversation_type is ConversationType.CHANNEL
    # the bot says hello where it was installed, through the Bot Connector
    assert [a["text"] for a in teams_env.rig.sent()] == [READY]
    assert teams_env.rig.calls[0][1] == f"/v3/conversations/{HACKNEY_CHANNEL}/activities"


async def test_an_unknown_tenant_is_told_so_and_nothing_is_stored(teams_env: TeamsEnv) -> None:
    stranger = {"tenant": STRANGER_TENANT, "conversation": "19:elsewhere@thread.tacv2"}
    status, _ = await teams_env.post(teams_env.installed(**stranger))
    assert status == 200
    assert await stored(teams_env, "19:elsewhere@thread.tacv2") is None
    (said,) = [a["text"] for a in teams_env.rig.sent()]
    assert "not one the CIR service knows" in said
    # a button from there is refused in the answer, and nothing is stored either
    status, answer = await teams_env.post(teams_env.invoke("acknowledge_page", "x", **stranger))
    assert status == 200
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert "not one the CIR service knows" in answer["value"]
    assert await stored(teams_env, "19:elsewhere@thread.tacv2") is None


async def test_a_conversation_first_addressed_is_learnt(teams_env: TeamsEnv) -> None:
    status, _ = await teams_env.post(teams_env.message("help", conversation="19:new@thread.v2"))
    assert status == 200
    ref = await stored(teams_env, "19:new@thread.v2")
    assert (ref.org_kind, ref.org_id) == ("provider", "kpmg")
    assert "CIR bot on Teams" in teams_env.rig.sent()[-1]["text"]


# --- authentication and malformed input --------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["", "not-a-jwt", "wrong-audience", "expired", "other-service-url"],
)
async def test_requests_without_a_valid_bot_framework_token_are_refused(
    teams_env: TeamsEnv, token: str
) -> None:
    tokens = {
        "": "",
        "not-a-jwt": "abc.def.ghi",
        "wrong-audience": mint(teams_env.service_url, app_id="someone-else"),
        "expired": mint(teams_env.service_url, lifetime=-3600),
        "other-service-url": mint("https://smba.trafficmanager.net/uk/"),
    }
    status, body = await teams_env.post(teams_env.installed(**HANA_AT_HACKNEY), tokens[token])
    assert status == 401, body
    assert await stored(teams_env, HACKNEY_CHANNEL) is None
    assert teams_env.rig.calls == []


MALFORMED: list[tuple[str, Any, str]] = [
    ("not json", b"{nope", "not JSON"),
    ("a list", b"[]", "not a JSON object"),
    ("no type", {"channelId": "msteams"}, "type is missing"),
    ("other channel", {"type": "message", "channelId": "webchat"}, "msteams only"),
]


@pytest.mark.parametrize(("case", "body", "reason"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_malformed_bodies_are_a_400(
    teams_env: TeamsEnv, case: str, body: Any, reason: str
) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, answer = await teams_env.post(raw)
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
    activity = {**teams_env.invoke("acknowledge_page", incident_id), **change}
    status, answer = await teams_env.post(activity)
    assert status == 400, answer
    assert reason in answer["error"]["message"]
    assert await snapshot(teams_env.container.uow, incident_id) == before


# --- the page: acknowledge and contact made -------------------------------------------------


async def test_the_provider_acknowledges_on_teams_and_sees_the_refreshed_card(
    teams_env: TeamsEnv,
) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    status, answer = await teams_env.post(teams_env.invoke("acknowledge_page", incident_id))
    assert status == 200
    assert "Kim Responder" in card_text(answer)
    assert "contact_made" in verbs(answer)
    events = await timeline(teams_env.container.uow, incident_id)
    (ack,) = [e for e in events if e.kind == "PageAcknowledged"]
    assert ack.actor_id == f"teams:{KPMG_TENANT}:{'bbbbbbbb-0000-4000-8000-00000000000b'}"
    assert ack.organisation == "provider:kpmg"


async def test_a_replayed_or_double_clicked_acknowledgement_changes_nothing(
    teams_env: TeamsEnv,
) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    click = teams_env.invoke("acknowledge_page", incident_id)
    assert (await teams_env.post(click))[0] == 200
    after_first = await snapshot(teams_env.container.uow, incident_id)
    events_after_first = await timeline(teams_env.container.uow, incident_id)

    status, replayed = await teams_env.post(click)  # the same activity again
    assert status == 200
    assert "Kim Responder" in card_text(replayed)  # the card as it stands
    status, second = await teams_env.post(teams_env.invoke("acknowledge_page", incident_id))
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
        teams_env.invoke("acknowledge_page", incident_id, **HANA_AT_HACKNEY)
    )
    assert status == 200
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert await snapshot(teams_env.container.uow, incident_id) == before


async def test_someone_from_another_tenant_in_the_providers_channel_is_no_one(
    teams_env: TeamsEnv,
) -> None:
    """A guest or a forwarded card: the conversation is KPMG's, the tenant is not."""
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    before = await snapshot(teams_env.container.uow, incident_id)
    activity = teams_env.invoke("acknowledge_page", incident_id, tenant=HACKNEY_TENANT,
                                conversation=KPMG_CHANNEL)  # fmt: skip
    status, answer = await teams_env.post(activity)
    assert status == 200
    assert "not one the CIR service knows" in answer["value"]
    assert await snapshot(teams_env.container.uow, incident_id) == before


async def test_contact_made_opens_the_form_then_records_contact(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    status, form = await teams_env.post(teams_env.invoke("contact_made", incident_id))
    assert status == 200
    assert "Contact made" in card_text(form)
    assert verbs(form) == ["contact_form"]
    teams_env.clock.advance(timedelta(minutes=10))
    when = (teams_env.clock.now() - timedelta(minutes=5)).isoformat()
    inputs = {"contact_at": when, "method": "phone", "notes": "Spoke to the CISO"}
    status, answer = await teams_env.post(
        teams_env.invoke("contact_form", incident_id, inputs=inputs)
    )
    assert status == 200
    assert "Containment" in card_text(answer)
    assert (await teams_env.incident(incident_id)).state is State.CONTAINMENT


async def test_contact_without_a_time_is_refused_in_words(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    incident_id = await active_incident(teams_env)
    before = await snapshot(teams_env.container.uow, incident_id)
    inputs = {"contact_at": "yesterday-ish", "method": "phone"}
    status, answer = await teams_env.post(
        teams_env.invoke("contact_form", incident_id, inputs=inputs)
    )
    assert status == 200
    assert answer["value"] == "Give the date and time contact was made."
    assert await snapshot(teams_env.container.uow, incident_id) == before


# --- the council: MoU and typed commands -----------------------------------------------------


async def test_the_council_confirms_the_mou_signed_on_teams(teams_env: TeamsEnv) -> None:
    from bot.domain.incident import MouStatus
    from tests.integration.activation_steps import awaiting_mou

    await installed_everywhere(teams_env)
    incident_id = await awaiting_mou(teams_env.container.uow, teams_env.container.ctx, signed=False)
    status, answer = await teams_env.post(
        teams_env.invoke("mou_signed", incident_id, **HANA_AT_HACKNEY)
    )
    assert status == 200
    assert "activate" in verbs(answer)
    assert (await teams_env.incident(incident_id)).mou_status is MouStatus.SIGNED


async def test_status_lists_only_the_organisations_own_incidents(teams_env: TeamsEnv) -> None:
    await installed_everywhere(teams_env)
    incident = await teams_env.incident(await active_incident(teams_env))
    await teams_env.post(teams_env.message("<at>CIR</at> status", **HANA_AT_HACKNEY))
    said = teams_env.rig.sent()[-1]["text"]
    assert str(incident.reference) in said
    assert "Activated" in said
    assert teams_env.rig.calls[-1][1] == f"/v3/conversations/{HACKNEY_CHANNEL}/activities"
