"""Proactive messages across the Teams edge, end to end, on the service that also runs Slack:
Teams throttling the provider's conversation, a page and an escalation Teams will not take
(the app removed, or never added for a person), and the longest status update anyone can type
reaching both platforms within their limits. Checked by what was stored (the timeline, the
deadline rows), what each platform's stand-in accepted and shows, and what MHCLG was told."""

from __future__ import annotations

import json

import pytest

from bot.domain.deadlines import DeadlineKind, DeadlineState
from tests.e2e.across_rig import ADAPTIVE, AcrossEnv, buttons, card_words
from tests.e2e.across_rig import across_env as across_env  # the fixture
from tests.e2e.across_steps import activate, contact_made, deadline_rows, mou_signed, paged, typed
from tests.integration.slack_harness import ASSESSOR, TRIAGE
from tests.integration.slack_response_steps import submission, submit

TEAMS_LIMIT = 28 * 1024


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


async def test_an_escalation_teams_will_not_take_is_retried_shown_and_told_to_mhclg(
    across_env: AcrossEnv,
) -> None:
    """KPMG's escalation contact has not added the CIR app for themselves, so Teams refuses
    the personal chat (403): the level's other routes go out, the failure is on the timeline
    and in MHCLG's triage channel, and the route alone is tried again until it gets through."""
    env = across_env
    p = env.p
    incident_id = await paged(env)
    reference = str((await env.incident(incident_id)).reference)
    p.kai.app_installed = False
    await env.fire_due(minutes=30, seconds=1)  # past the contact deadline, nobody made contact

    [sent] = [e for e in await env.timeline(incident_id) if e.kind == "EscalationSent"]
    routes = {r["key"]: (r["ok"], r["error"]) for r in sent.data["routes"]}
    assert routes["provider_escalation:Kai Escalation:teams"] == (
        False,
        "Teams answered 403 (Forbidden)",
    )
    # the level's other routes went out: Kai by SMS and email, MHCLG's duty manager, the
    # incident on Slack and in both organisations' Teams conversations
    assert all(ok for key, (ok, _) in routes.items() if not key.endswith("Kai Escalation:teams"))
    assert routes["incident_channel:council:hackney:teams"][0] is True
    assert routes["incident_channel:provider:kpmg:teams"][0] is True
    [told] = [t for t in env.slack_texts(TRIAGE) if "did not reach Microsoft Teams" in t]
    assert f"Escalation level 1 for {reference} did not reach Microsoft Teams" in told
    assert "Kai Escalation" in told
    assert "Teams answered 403 (Forbidden)" in told
    rows = await deadline_rows(env, incident_id)
    assert (DeadlineKind.ESCALATION_RETRY.value, DeadlineState.PENDING.value, 1) in rows
    assert env.t.connector.personal_chat_with(p.kai) is None

    p.kai.app_installed = True  # Kai adds the app; the retry's backoff passes
    await env.fire_due(seconds=16)
    [retried] = [e for e in await env.timeline(incident_id) if e.kind == "EscalationRetried"]
    assert [(r["key"], r["ok"]) for r in retried.data["routes"]] == [
        ("provider_escalation:Kai Escalation:teams", True)
    ]
    chat = env.t.connector.personal_chat_with(p.kai)
    assert chat is not None
    [escalation] = env.card_texts(chat)
    assert f"Contact deadline missed: {reference}" in escalation
    rows = await deadline_rows(env, incident_id)
    assert (DeadlineKind.ESCALATION_RETRY.value, DeadlineState.FIRED.value, 1) in rows
    assert DeadlineState.PENDING.value not in {r[1] for r in rows if r[0] == "escalation_retry"}
    # Slack's duty manager had the level once: the retry went to Kai's route alone
    assert len([t for t in env.slack_texts("U0DUTYMGR") if reference in t]) == 1
