"""Bot Framework tokens checked against keys fetched over HTTP from the sandbox's OpenID
metadata stand-in (`sandbox/teams/identity.py`, a locally made RSA key): only a token Bot
Framework would have signed, for this bot and this serviceUrl."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from handlers.teams.auth import BotFrameworkAuth, Unauthenticated, check_activity
from sandbox.teams.identity import FakeBotIdentity
from sandbox.teams.keys import fresh_key

SERVICE = "https://smba.trafficmanager.net/uk/"
APP_ID = "00000000-0000-4000-8000-0000000000b0"


@pytest.fixture
async def identity() -> AsyncIterator[FakeBotIdentity]:
    async with FakeBotIdentity() as standin:
        standin.register_app(APP_ID)
        yield standin


@pytest.fixture
async def auth(identity: FakeBotIdentity) -> AsyncIterator[BotFrameworkAuth]:
    checker = BotFrameworkAuth(APP_ID, metadata_url=identity.openid_metadata_url)
    yield checker
    await checker.close()


async def test_a_token_bot_framework_signed_is_accepted(
    auth: BotFrameworkAuth, identity: FakeBotIdentity
) -> None:
    claims = await auth.verify(identity.authorization(APP_ID, SERVICE))
    assert claims.service_url == SERVICE
    check_activity(claims, SERVICE.rstrip("/"), "msteams")


async def test_keys_are_fetched_once_for_many_requests(
    auth: BotFrameworkAuth, identity: FakeBotIdentity
) -> None:
    for _ in range(5):
        await auth.verify(identity.authorization(APP_ID, SERVICE))
    assert (identity.metadata_requests, identity.keys_requests) == (1, 1)


REFUSED = ["none", "basic", "garbage", "audience", "issuer", "expired", "forged", "none alg"]


@pytest.mark.parametrize("case", REFUSED)
async def test_anything_else_is_refused(
    auth: BotFrameworkAuth, identity: FakeBotIdentity, case: str
) -> None:
    mint = identity.mint
    headers = {
        "none": "",
        "basic": "Basic dXNlcjpwYXNz",
        "garbage": "Bearer not-a-jwt",
        "audience": f"Bearer {mint(APP_ID, SERVICE, audience='another-bot')}",
        "issuer": f"Bearer {mint(APP_ID, SERVICE, issuer='https://sts.windows.net/x/')}",
        "expired": f"Bearer {mint(APP_ID, SERVICE, issued_at=time.time() - 7200)}",
        "forged": f"Bearer {mint(APP_ID, SERVICE, key=fresh_key(identity.channel_key.kid))}",
        # a token that says it needs no signature, with the published key id
        "none alg": "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJhdWQiOiJ4In0.",
    }
    with pytest.raises(Unauthenticated) as refused:
        await auth.verify(headers[case])
    assert refused.value.status == 401


async def test_a_token_expired_within_the_leeway_is_accepted(
    auth: BotFrameworkAuth, identity: FakeBotIdentity
) -> None:
    token = identity.mint(APP_ID, SERVICE, issued_at=time.time() - 3700)  # expired 100 s ago
    await auth.verify(f"Bearer {token}")


async def test_the_token_must_be_for_the_activitys_service_url(
    auth: BotFrameworkAuth, identity: FakeBotIdentity
) -> None:
    claims = await auth.verify(identity.authorization(APP_ID, SERVICE))
    with pytest.raises(Unauthenticated, match="another serviceUrl"):
        check_activity(claims, "https://attacker.example/", "msteams")


async def test_a_key_signs_only_for_the_channels_it_is_endorsed_for(
    auth: BotFrameworkAuth, identity: FakeBotIdentity
) -> None:
    claims = await auth.verify(identity.authorization(APP_ID, SERVICE))
    with pytest.raises(Unauthenticated, match="not endorsed"):
        check_activity(claims, SERVICE, "webchat")


async def test_a_rotated_key_is_fetched_when_first_seen_at_most_once_a_minute(
    identity: FakeBotIdentity,
) -> None:
    clock = [1000.0]
    checker = BotFrameworkAuth(
        APP_ID, metadata_url=identity.openid_metadata_url, now=lambda: clock[0]
    )
    try:
        await checker.verify(identity.authorization(APP_ID, SERVICE))
        identity.channel_key = fresh_key()  # Bot Framework rotates its signing key
        rotated = identity.authorization(APP_ID, SERVICE)
        clock[0] += 30  # a stranger's made-up key ids do not make the bot fetch again
        with pytest.raises(Unauthenticated, match="does not publish"):
            await checker.verify(rotated)
        clock[0] += 31
        await checker.verify(rotated)
    finally:
        await checker.close()
    assert identity.keys_requests == 2


async def test_without_the_keys_nothing_is_accepted(identity: FakeBotIdentity) -> None:
    checker = BotFrameworkAuth(APP_ID, metadata_url=identity.openid_metadata_url + "-gone")
    try:
        with pytest.raises(Unauthenticated) as refused:
            await checker.verify(identity.authorization(APP_ID, SERVICE))
    finally:
        await checker.close()
    assert refused.value.status == 503


async def test_a_token_verified_once_is_not_checked_again_until_it_expires(
    auth: BotFrameworkAuth, identity: FakeBotIdentity
) -> None:
    token = identity.authorization(APP_ID, SERVICE)
    first = await auth.verify(token)
    identity.channel_key = fresh_key()  # even were the key gone, the token stays good
    assert await auth.verify(token) == first
