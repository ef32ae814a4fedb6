"""Bot Framework tokens checked against keys fetched over HTTP from a local OpenID metadata
stand-in: only a token Bot Framework would have signed, for this bot and this serviceUrl."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from handlers.teams.auth import BotFrameworkAuth, Unauthenticated, check_activity
from tests.teams_rig import APP_ID, TeamsRig, mint, public_jwk

SERVICE = "https://smba.trafficmanager.net/uk/"


@pytest.fixture
async def rig() -> AsyncIterator[TeamsRig]:
    async with TeamsRig() as server:
        yield server


@pytest.fixture
async def auth(rig: TeamsRig) -> AsyncIterator[BotFrameworkAuth]:
    checker = BotFrameworkAuth(APP_ID, metadata_url=rig.metadata_url)
    yield checker
    await checker.close()


async def test_a_token_bot_framework_signed_is_accepted(auth: BotFrameworkAuth) -> None:
    claims = await auth.verify(f"Bearer {mint(SERVICE)}")
    assert claims.service_url == SERVICE
    check_activity(claims, SERVICE.rstrip("/"), "msteams")


async def test_keys_are_fetched_once_for_many_requests(
    auth: BotFrameworkAuth, rig: TeamsRig
) -> None:
    for _ in range(5):
        await auth.verify(f"Bearer {mint(SERVICE)}")
    assert rig.key_fetches == 1


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        ("", "no Bot Framework token"),
        ("Basic dXNlcjpwYXNz", "no Bot Framework token"),
        ("Bearer not-a-jwt", "not a JWT"),
        (f"Bearer {mint(SERVICE, app_id='another-bot')}", "InvalidAudienceError"),
        (f"Bearer {mint(SERVICE, issuer='https://sts.windows.net/x/')}", "InvalidIssuerError"),
        (f"Bearer {mint(SERVICE, issued=time.time() - 7200)}", "token expired"),
        (f"Bearer {mint(SERVICE, key='stranger')}", "InvalidSignatureError"),
        (f"Bearer {mint(SERVICE, kid='made-up')}", "a key Bot Framework does not publish"),
    ],
    ids=["none", "basic", "garbage", "audience", "issuer", "expired", "forged", "unknown-kid"],
)
async def test_anything_else_is_refused(
    auth: BotFrameworkAuth, authorization: str, reason: str
) -> None:
    with pytest.raises(Unauthenticated, match=reason) as refused:
        await auth.verify(authorization)
    assert refused.value.status == 401


async def test_a_token_expired_within_the_leeway_is_accepted(auth: BotFrameworkAuth) -> None:
    await auth.verify(f"Bearer {mint(SERVICE, issued=time.time() - 3700)}")  # 100 s ago


async def test_the_token_must_be_for_the_activitys_service_url(auth: BotFrameworkAuth) -> None:
    claims = await auth.verify(f"Bearer {mint(SERVICE)}")
    with pytest.raises(Unauthenticated, match="another serviceUrl"):
        check_activity(claims, "https://attacker.example/", "msteams")


async def test_a_key_signs_only_for_the_channels_it_is_endorsed_for(
    auth: BotFrameworkAuth,
) -> None:
    claims = await auth.verify(f"Bearer {mint(SERVICE)}")
    with pytest.raises(Unauthenticated, match="not endorsed"):
        check_activity(claims, SERVICE, "webchat")


async def test_a_rotated_key_is_fetched_when_first_seen_at_most_once_a_minute(
    rig: TeamsRig,
) -> None:
    clock = [1000.0]
    checker = BotFrameworkAuth(APP_ID, metadata_url=rig.metadata_url, now=lambda: clock[0])
    try:
        await checker.verify(f"Bearer {mint(SERVICE)}")
        rig.jwks.append(public_jwk("key-2", name="second"))
        rotated = f"Bearer {mint(SERVICE, kid='key-2', key='second')}"
        clock[0] += 30  # a stranger's made-up key ids do not make the bot fetch again
        with pytest.raises(Unauthenticated, match="does not publish"):
            await checker.verify(rotated)
        clock[0] += 31
        await checker.verify(rotated)
    finally:
        await checker.close()
    assert rig.key_fetches == 2


async def test_without_the_keys_nothing_is_accepted(rig: TeamsRig) -> None:
    checker = BotFrameworkAuth(APP_ID, metadata_url=f"{rig.url}/nowhere")
    try:
        with pytest.raises(Unauthenticated) as refused:
            await checker.verify(f"Bearer {mint(SERVICE)}")
    finally:
        await checker.close()
    assert refused.value.status == 503
