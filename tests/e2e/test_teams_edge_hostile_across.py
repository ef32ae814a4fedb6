"""Hostile input across the Teams edge, end to end, on the service that also runs Slack: a
stranger's tenant, a council's conversation claimed from another tenant, replayed card actions,
malformed activities, and a status update far longer than anyone may type. Each is checked by
what was stored (the timeline, the deadline rows, the conversations), what each platform's
stand-in was given, and what the person was answered. (Proactive messages that fail, and the
longest update allowed: test_teams_delivery_across.)"""

from __future__ import annotations

import json
from typing import Any

from sandbox.teams.directory import Conversation
from tests.e2e.across_rig import (
    ADAPTIVE,
    KPMG_TENANT,
    MESSAGE,
    STRANGER_TENANT,
    AcrossEnv,
)
from tests.e2e.across_rig import across_env as across_env  # the fixture
from tests.e2e.across_steps import contact_made, deadline_rows, paged, shape, typed

# --- a stranger ---------------------------------------------------------------------------------


async def test_an_unknown_tenants_invoke_is_refused_and_nothing_is_stored(
    across_env: AcrossEnv,
) -> None:
    env = across_env
    incident_id = await paged(env)
    before = shape(await env.timeline(incident_id))
    rows_before = await deadline_rows(env, incident_id)
    connector = env.t.connector
    elsewhere = connector.add_channel(STRANGER_TENANT, env.t.app, "Not a council")
    sam = connector.add_person(STRANGER_TENANT, "Sam Stranger")

    for verb, inputs in (
        ("acknowledge_page", {}),
        ("contact_form", {"contact_at": env.clock.now().isoformat(), "method": "phone"}),
        ("status_update_form", {"what_changed": "x", "impact": "y", "next_steps": "z"}),
    ):
        status, answer = await env.teams_post(
            env.invoke(elsewhere, sam, verb, incident_id, **inputs)
        )
        assert status == 200
        assert answer["type"] == MESSAGE, answer
        assert "not one the CIR service knows" in answer["value"]

    assert shape(await env.timeline(incident_id)) == before
    assert await deadline_rows(env, incident_id) == rows_before
    async with env.container.uow() as uow:
        assert await uow.conversations.by_id(elsewhere.id) is None
        engagements = await uow.engagements.for_incident(incident_id)
    assert engagements
    assert not [e for e in engagements if e.acknowledged]
    assert connector.posted(elsewhere.id) == []  # the bot posted nothing there


async def test_a_councils_conversation_claimed_from_the_providers_tenant_is_refused(
    across_env: AcrossEnv,
) -> None:
    """Kim, of KPMG's tenant, sends a council-only action naming Hackney's conversation: she
    acts for no one there, and nothing changes (the recovery opt-in is the council's)."""
    env = across_env
    p = env.p
    incident_id = await paged(env)
    await env.teams_post(await contact_made(env, incident_id))
    before = shape(await env.timeline(incident_id))
    spoofed = Conversation(p.hackney.id, KPMG_TENANT, "channel", "Cyber incident")
    for verb in ("recovery_opt_in", "mou_signed", "add_note"):
        status, answer = await env.teams_post(env.invoke(spoofed, p.kim, verb, incident_id))
        assert status == 200
        assert answer["type"] == MESSAGE, (verb, answer)
    assert shape(await env.timeline(incident_id)) == before
    assert (await env.incident(incident_id)).recovery_opt_in is False
    async with env.container.uow() as uow:
        ref = await uow.conversations.by_id(p.hackney.id)
    assert ref is not None
    assert (ref.org_kind, ref.org_id, ref.tenant_id) == ("council", "hackney", p.hana.tenant_id)


# --- replays ------------------------------------------------------------------------------------


async def test_a_card_action_replayed_changes_nothing_the_second_time(
    across_env: AcrossEnv,
) -> None:
    env = across_env
    p = env.p
    incident_id = await paged(env)
    channel = await env.slack_channel(incident_id)
    acknowledge = env.invoke(p.kpmg, p.kim, "acknowledge_page", incident_id)
    submit_contact = await contact_made(env, incident_id)
    update = env.invoke(
        p.kpmg, p.kim, "status_update_form", incident_id, what_changed="Hosts isolated.",
        impact="Benefits down.", next_steps="Rebuild AD.", personal_data="not_involved",
    )  # fmt: skip

    for activity in (acknowledge, submit_contact, update):
        status, first = await env.teams_post(activity)
        assert status == 200
        assert first["type"] == ADAPTIVE, first
        events_after_first = shape(await env.timeline(incident_id))
        rows_after_first = await deadline_rows(env, incident_id)
        slack_after_first = env.slack_texts(channel)
        teams_after_first = len(env.t.connector.calls)

        status, again = await env.teams_post(activity)  # the same activity, replayed
        assert status == 200
        assert again["type"] == ADAPTIVE, again  # answered with the card as it stands
        assert shape(await env.timeline(incident_id)) == events_after_first
        assert await deadline_rows(env, incident_id) == rows_after_first
        assert env.slack_texts(channel) == slack_after_first
        assert len(env.t.connector.calls) == teams_after_first  # nothing sent to Teams either

    kinds = [e.kind for e in await env.timeline(incident_id)]
    assert kinds.count("PageAcknowledged") == 1
    assert kinds.count("ContactRecorded") == 1
    assert kinds.count("StatusUpdatePosted") == 1
    assert len([t for t in env.slack_texts(channel) if "Hosts isolated." in t]) == 1


# --- malformed ----------------------------------------------------------------------------------


def _without(activity: dict[str, Any], *path: str) -> dict[str, Any]:
    broken = json.loads(json.dumps(activity))
    node = broken
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return broken


def _with(activity: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    broken = json.loads(json.dumps(activity))
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return broken


async def test_malformed_activities_are_a_400_and_change_nothing(across_env: AcrossEnv) -> None:
    env = across_env
    p = env.p
    incident_id = await paged(env)
    before = shape(await env.timeline(incident_id))
    rows_before = await deadline_rows(env, incident_id)
    good = env.invoke(p.kpmg, p.kim, "acknowledge_page", incident_id)
    new_chat = env.t.connector.add_group_chat(env.p.kim.tenant_id, env.t.app, (p.kim,))
    install_elsewhere = env.installed(new_chat, p.kim)
    malformed: list[dict[str, Any] | bytes] = [
        b"{not json",
        b"[1, 2, 3]",
        _without(good, "value", "action"),
        _with(good, "Action.Submit", "value", "action", "type"),
        _with(good, ["acknowledge_page"], "value", "action", "verb"),
        _with(good, "not an object", "value", "action", "data"),
        _with(good, {"value": {"nested": True}}, "value", "action", "data"),
        _without(good, "conversation"),
        _with(good, "someone-else", "conversation", "tenantId"),
        _with(good, "http://insecure.example/", "serviceUrl"),
        _with(good, "skype", "channelId"),
        _with(install_elsewhere, "not a list", "membersAdded"),
    ]
    for activity in malformed:
        status, body = await env.teams_post(activity)
        assert status == 400, (activity, status, body)

    assert shape(await env.timeline(incident_id)) == before
    assert await deadline_rows(env, incident_id) == rows_before
    async with env.container.uow() as uow:
        assert await uow.conversations.by_id(new_chat.id) is None
    # the well-formed one still works afterwards
    status, answer = await env.teams_post(good)
    assert status == 200
    assert answer["type"] == ADAPTIVE


# --- the longest status update -------------------------------------------------------------------


async def test_a_ten_thousand_character_update_typed_on_teams_is_refused_and_changes_nothing(
    across_env: AcrossEnv,
) -> None:
    env = across_env
    p = env.p
    incident_id = await paged(env)
    channel = await env.slack_channel(incident_id)
    await env.teams_post(await contact_made(env, incident_id))
    before = shape(await env.timeline(incident_id))
    slack_before = env.slack_texts(channel)

    answer = await env.press(
        p.kpmg, p.kim, "status_update_form", incident_id, what_changed=typed(10_000),
        impact="Benefits down.", next_steps="Rebuild AD.",
    )  # fmt: skip
    assert answer["type"] == MESSAGE, answer
    assert "3000" in answer["value"] or "3,000" in answer["value"], answer["value"]
    assert shape(await env.timeline(incident_id)) == before
    assert env.slack_texts(channel) == slack_before
