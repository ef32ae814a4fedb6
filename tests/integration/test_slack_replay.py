"""Slack's retries and replays of a signed request within its five-minute window act once.

A replay is the same signed bytes sent again (anyone who saw a request can do it); an event
retry is Slack sending the same event id again with a new timestamp and signature. A second
real command, even with the same words, is a new delivery and is acted on.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from sandbox.slack import signed_requests as sr
from storage.database import create_engine_for, parse_database_url
from storage.deliveries import MemoryDeliveryLog, SqlDeliveryLog
from tests.integration.slack_harness import ASSESSOR, SlackEnv
from tests.integration.slack_response_steps import PROVIDER, env, events, responding, slash

assert env  # the fixture: the harness with a council user and an outsider


async def test_a_replayed_cir_note_adds_nothing(env: SlackEnv) -> None:
    incident_id, channel = await responding(env)
    body = slash("note Firewall logs sent to NCSC", PROVIDER, channel)
    stamp = int(time.time())
    first = await env.send(body, timestamp=stamp)
    replay = await env.send(body, timestamp=stamp)
    assert first[0] == replay[0] == 200
    assert replay[1] == ""
    assert len(await events(env, incident_id, "NoteAdded")) == 1


async def test_the_same_words_as_a_new_command_are_a_second_note(env: SlackEnv) -> None:
    incident_id, channel = await responding(env)
    for _ in range(2):
        await env.send(slash("note Called the council again", PROVIDER, channel))
    assert len(await events(env, incident_id, "NoteAdded")) == 2


async def test_the_same_body_signed_at_another_second_is_another_delivery(env: SlackEnv) -> None:
    """The key is the signed timestamp with the body. Slack never re-signs a command, so only
    a holder of the signing secret could do this; pinned so that changing the key is a choice."""
    incident_id, channel = await responding(env)
    body = slash("note Once", PROVIDER, channel)
    stamp = int(time.time())
    await env.send(body, timestamp=stamp - 1)
    await env.send(body, timestamp=stamp)
    assert len(await events(env, incident_id, "NoteAdded")) == 2


async def test_an_event_retried_by_slack_is_handled_once(env: SlackEnv) -> None:
    body = sr.event_callback(
        {"type": "app_home_opened", "user": ASSESSOR, "tab": "home", "channel": "D0HOME"},
        event_id="Ev0RETRIED",
    )
    stamp = int(time.time())
    assert (await env.send(body, timestamp=stamp - 60))[0] == 200
    status, _ = await env.send(body, timestamp=stamp, retry_num=1)
    assert status == 200
    assert len(env.slack.calls_to("views.publish")) == 1


async def test_two_replicas_claiming_one_delivery_at_once_let_exactly_one_through(
    database_url: str, db_target: object
) -> None:
    now = datetime.now(UTC)
    engines = [create_engine_for(parse_database_url(database_url)) for _ in range(2)]
    try:
        logs = [SqlDeliveryLog(e) for e in engines]
        won = await asyncio.gather(
            *(log.claim("body:same", now + timedelta(minutes=10), now) for log in logs * 3)
        )
        assert sorted(won) == [False] * 5 + [True]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_expired_keys_are_swept_and_a_released_key_can_be_claimed_again(
    database_url: str, db_target: object
) -> None:
    now = datetime.now(UTC)
    engine = create_engine_for(parse_database_url(database_url))
    try:
        log = SqlDeliveryLog(engine)
        assert await log.claim("old", now + timedelta(minutes=10), now)
        assert not await log.claim("old", now + timedelta(minutes=10), now)
        later = SqlDeliveryLog(engine)  # a fresh process sweeps on its first claim
        assert await later.claim("new", now + timedelta(hours=1), now + timedelta(minutes=11))
        assert await later.claim("old", now + timedelta(hours=1), now + timedelta(minutes=11))
        await later.release("new")
        assert await later.claim("new", now + timedelta(hours=1), now + timedelta(minutes=11))
    finally:
        await engine.dispose()


async def test_the_single_process_log_claims_once_releases_and_forgets_expired_keys() -> None:
    """What SQLite deployments (one process) use instead of a commit per request."""
    now = datetime.now(UTC)
    log = MemoryDeliveryLog()
    won = await asyncio.gather(*(log.claim("body:same", now + timedelta(minutes=10), now)
                                 for _ in range(6)))  # fmt: skip
    assert sorted(won) == [False] * 5 + [True]
    await log.release("body:same")
    assert await log.claim("body:same", now + timedelta(minutes=10), now)
    fresh = MemoryDeliveryLog()  # sweeps on its first claim
    assert await fresh.claim("old", now + timedelta(minutes=10), now)
    assert not await fresh.claim("old", now + timedelta(minutes=10), now)
    fresh._swept_at = None  # as if the sweep interval had passed
    assert await fresh.claim("old", now + timedelta(hours=1), now + timedelta(minutes=11))
