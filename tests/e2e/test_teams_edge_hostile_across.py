"""Hostile input and failures across the Teams edge, end to end, on the service that also runs
Slack: a stranger's tenant, replayed card actions, malformed activities, Teams throttling the
provider's conversation, a page Teams will not take because the app was removed, and the
longest status update anyone can type. Each is checked by what was stored (the timeline, the
deadline rows, the conversations), what each platform's stand-in was given, and what the person
was answered."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.deadlines import DeadlineKind, DeadlineState
from bot.domain.timeline import TimelineEvent
from sandbox.teams.directory import Conversation
from tests.e2e.across_rig import (
    ADAPTIVE,
    KPMG_TENANT,
    MESSAGE,
    STRANGER_TENANT,
    AcrossEnv,
    buttons,
    card_words,
)
from tests.e2e.across_rig import across_env as across_env  # the fixture
from tests.e2e.across_steps import activate, activated, deadline_rows, mou_signed
from tests.integration.slack_harness import ASSESSOR, TRIAGE
from tests.integration.slack_response_steps import submission, submit


def shape(events: list[TimelineEvent]) -> list[tuple[str, str]]:
    return [(e.kind, e.hash) for e in events]


async def paged(env: AcrossEnv) -> str:
    incident_id = await activated(env)
    await env.fire_due()
    return incident_id


async def contact_made(env: AcrossEnv, incident_id: str) -> dict[str, Any]:
    """The contact form's submit as Teams sends it (one activity: post it again to replay)."""
    at = env.clock.now().isoformat()
    inputs = {"contact_at": at, "method": "phone", "notes": "Spoke to the CISO."}
    return env.invoke(env.p.kpmg, env.p.kim, "contact_form", incident_id, **inputs)


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


# --- Teams throttles, refuses ---------------------------------------------------------------------


async def test_the_providers_conversation_throttled_then_the_page_delivered(
    across_env: AcrossEnv,
) -> None:
    env = across_env
    p = env.p
    incident_id = await mou_signed(env)
    connector = env.t.connector
    calls_before = len(connector.calls)
    connector.throttle_next(times=2, retry_after=0.2, operation="send")
    await activate(env, incident_id)  # the page goes out at once
    await env.fire_due()

    sends = [c for c in connector.calls[calls_before:] if c.operation == "send"]
    assert [c.status for c in sends[:3]] == [429, 429, 201]
    assert {c.conversation_id for c in sends[:3]} == {p.kpmg.id}
    pages = [c for c in env.card_texts(p.kpmg) if "assigned KPMG" in c]
    assert len(pages) == 1  # delivered once, not once per try
    [delivered] = [e for e in await env.timeline(incident_id) if e.kind == "PageDelivered"]
    assert delivered.data["ok"] is True
    assert not [t for t in env.slack_texts(TRIAGE) if "did not reach Microsoft Teams" in t]


async def test_a_page_teams_will_not_take_is_retried_shown_on_the_timeline_and_to_mhclg(
    across_env: AcrossEnv,
) -> None:
    env = across_env
    p = env.p
    incident_id = await mou_signed(env)
    reference = str((await env.incident(incident_id)).reference)
    env.t.connector.remove_bot(p.kpmg.id, env.t.app)  # KPMG removed the app from its team

    await activate(env, incident_id)  # the page goes out at once
    await env.fire_due()
    [failed] = [e for e in await env.timeline(incident_id) if e.kind == "PageDelivered"]
    assert failed.data["ok"] is False
    assert "403" in failed.data["error"]
    assert "BotNotInConversationRoster" in failed.data["error"]
    [told] = [t for t in env.slack_texts(TRIAGE) if "did not reach Microsoft Teams" in t]
    assert f"The page to KPMG for {reference} did not reach Microsoft Teams" in told
    assert "The bot keeps trying" in told
    assert "403" in told
    pending_pages = [
        r
        for r in await deadline_rows(env, incident_id)
        if r[0] == DeadlineKind.PROVIDER_PAGE.value and r[1] == DeadlineState.PENDING.value
    ]
    assert len(pending_pages) == 1, "the page is tried again as a row"
    assert not [c for c in env.card_texts(p.kpmg) if "assigned KPMG" in c]

    await env.fire_due(seconds=16)  # still not installed: tried again, not told again
    pages = [e for e in await env.timeline(incident_id) if e.kind == "PageDelivered"]
    assert [e.data["ok"] for e in pages] == [False, False]
    assert len([t for t in env.slack_texts(TRIAGE) if "did not reach" in t]) == 1

    # KPMG adds the app again: Teams says so, and the next try gets through
    env.t.connector.conversation(p.kpmg.id).bot_ids.add(env.t.app.bot_id)
    status, _ = await env.teams_post(env.installed(p.kpmg, p.kim))
    assert status == 200
    await env.fire_due(seconds=31)
    pages = [e for e in await env.timeline(incident_id) if e.kind == "PageDelivered"]
    assert [e.data["ok"] for e in pages] == [False, False, True]
    [page] = [c for c in env.cards(p.kpmg) if "assigned KPMG" in card_words(c)]
    assert ("Acknowledge", "acknowledge_page", incident_id) in buttons(page)
    assert not [
        r
        for r in await deadline_rows(env, incident_id)
        if r[0] == DeadlineKind.PROVIDER_PAGE.value and r[1] == DeadlineState.PENDING.value
    ]


# --- the longest status update -------------------------------------------------------------------

# What people type that grows the most once escaped or encoded: markup characters, emoji (4
# bytes in UTF-8), and Adaptive Cards' and Slack's own markdown.
HEAVY = "<b>&amp;</b> 🔥 *_~`[x](https://evil.example) {{DATE(2026-01-01T00:00:00Z)}} "
TEAMS_LIMIT = 28 * 1024


def typed(n: int) -> str:
    return (HEAVY * (n // len(HEAVY) + 1))[:n]


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


@pytest.mark.parametrize("origin", ["teams", "slack"])
async def test_the_longest_update_stays_within_teams_and_slacks_limits_on_both_sides(
    across_env: AcrossEnv, origin: str
) -> None:
    env = across_env
    p = env.p
    incident_id = await paged(env)
    channel = await env.slack_channel(incident_id)
    await env.teams_post(await contact_made(env, incident_id))
    fields = {
        "what_changed": "FIRST " + typed(2994),
        "impact": typed(3000),
        "next_steps": typed(2994) + " LAST.",
    }
    assert sum(len(v) for v in fields.values()) == 9000  # three fields of 3,000: the most
    if origin == "teams":
        answer = await env.press(p.kpmg, p.kim, "status_update_form", incident_id, **fields)
        assert answer["type"] == ADAPTIVE, answer
        assert len(json.dumps(answer).encode()) <= TEAMS_LIMIT
    else:
        assert await submit(env, submission("status_update_form", incident_id, channel,
                                            ASSESSOR, **fields)) == {}  # fmt: skip
    [posted] = [e for e in await env.timeline(incident_id) if e.kind == "StatusUpdatePosted"]
    assert posted.data["what_changed"] == fields["what_changed"]  # stored whole

    # Slack took every message and card the bot sent (the stand-in refuses what Slack would)
    [on_slack] = [t for t in env.slack_texts(channel) if "FIRST" in t]
    assert "(continued in the timeline)" in on_slack  # cut to fit, and says where the rest is
    assert "&lt;b&gt;" in on_slack  # what was typed is shown as typed, never as markup
    if origin == "teams":
        assert "Kim Responder (KPMG)" in on_slack  # mirrored: who said it, for whom
    # Teams took every activity (the stand-in answers 413 over the size limit, 400 when invalid)
    refused = [c for c in env.t.connector.calls if c.status >= 400]
    assert refused == [], [(c.operation, c.status, str(c.body)[:200]) for c in refused]
    for where in (p.hackney, p.kpmg):
        for posted_activity in env.t.connector.posted(where.id):
            size = len(json.dumps(posted_activity.activity, ensure_ascii=False).encode())
            assert size <= TEAMS_LIMIT, (where.name, size)
    if origin == "slack":  # the council and KPMG each see it on Teams, whole or marked cut
        for where in (p.hackney, p.kpmg):
            [mirrored] = [t for t in env.card_texts(where) if "FIRST" in t]
            assert "Ada Assessor (MHCLG)" in mirrored
            assert "(shortened)" in mirrored
