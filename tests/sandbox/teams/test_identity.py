"""The token endpoint answers as Entra does, and the tokens minted for activities pass Bot
Framework's own validation (botframework-connector) against the local OpenID metadata, while a
token it must refuse is refused there too."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest
from botframework.connector.auth import (
    ChannelValidation,
    ClaimsIdentity,
    SimpleCredentialProvider,
)
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from sandbox.teams.identity import FakeBotIdentity
from sandbox.teams.keys import SigningKey, fresh_key
from sandbox.teams.standins import TeamsStandIns
from tests.sandbox.teams.conftest import TENANT, Bot


async def test_client_credentials_give_a_bearer_token(bot: Bot) -> None:
    status, answer = await bot.get_token()
    assert status == 200
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 3599
    assert answer["access_token"].count(".") == 2


async def test_a_wrong_secret_is_401_invalid_client(teams: TeamsStandIns, bot: Bot) -> None:
    status, answer = await bot.get_token(password="not-it")
    assert status == 401
    assert answer["error"] == "invalid_client"
    assert answer["error_codes"] == [7000215]
    assert teams.identity.token_requests == [(teams.app.app_id, 401)]


async def test_a_wrong_scope_is_400(bot: Bot) -> None:
    status, answer = await bot.get_token(scope="https://graph.microsoft.com/.default")
    assert status == 400
    assert answer["error"] == "invalid_scope"


async def test_an_unknown_app_is_400_unauthorized_client(teams: TeamsStandIns, http) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": "00000000-0000-0000-0000-000000000000",
        "client_secret": "x",
        "scope": "https://api.botframework.com/.default",
    }
    async with http.post(teams.identity.token_url(), data=form) as response:
        assert response.status == 400
        assert (await response.json())["error"] == "unauthorized_client"


async def test_a_single_tenant_app_gets_tokens_from_its_tenant_only(http) -> None:
    async with TeamsStandIns(tenant_id=TENANT) as teams:
        form = {
            "grant_type": "client_credentials",
            "client_id": teams.app.app_id,
            "client_secret": teams.app.password,
            "scope": "https://api.botframework.com/.default",
        }
        async with http.post(teams.identity.token_url(), data=form) as response:
            assert response.status == 400
        async with http.post(teams.identity.token_url(TENANT), data=form) as response:
            assert response.status == 200
        assert teams.env()["MICROSOFT_TOKEN_URL"].endswith(f"/{TENANT}/oauth2/v2.0/token")


async def test_token_endpoint_outage_on_demand(teams: TeamsStandIns, bot: Bot) -> None:
    teams.identity.fail_token_next(503)
    assert (await bot.get_token())[0] == 503
    assert (await bot.get_token())[0] == 200


async def test_metadata_points_at_the_keys(teams: TeamsStandIns, http) -> None:
    async with http.get(teams.identity.openid_metadata_url) as response:
        metadata = await response.json()
    assert metadata["issuer"] == "https://api.botframework.com"
    async with http.get(metadata["jwks_uri"]) as response:
        keys = (await response.json())["keys"]
    assert [k["kid"] for k in keys] == [teams.identity.channel_key.kid]
    assert keys[0]["endorsements"] == ["msteams"]
    assert "d" not in keys[0]  # the public half only


def _validate(
    identity: FakeBotIdentity, app_id: str, header: str, service_url: str
) -> ClaimsIdentity:
    """botframework-connector's channel validation, in a thread of its own: it fetches the
    metadata with blocking `requests`, which must not stall the loop serving the stand-in."""

    async def run() -> ClaimsIdentity:
        ChannelValidation.open_id_metadata_endpoint = identity.openid_metadata_url
        JwtTokenExtractor.metadataCache.clear()
        try:
            return await ChannelValidation.authenticate_channel_token_with_service_url(
                header, SimpleCredentialProvider(app_id, ""), service_url, "msteams"
            )
        finally:
            ChannelValidation.open_id_metadata_endpoint = None

    return asyncio.run(run())


async def test_a_minted_token_passes_bot_frameworks_own_validation(teams: TeamsStandIns) -> None:
    app_id = teams.app.app_id
    header = teams.identity.authorization(app_id, teams.service_url)
    claims = await asyncio.to_thread(_validate, teams.identity, app_id, header, teams.service_url)
    assert claims.is_authenticated
    assert claims.get_claim_value("aud") == app_id
    assert claims.get_claim_value("serviceurl") == teams.service_url


def _impostor(identity: FakeBotIdentity) -> SigningKey:
    """Another private key under the published key id: only the signature tells them apart."""
    return SigningKey(fresh_key().private, identity.channel_key.kid)


@pytest.mark.parametrize(
    ("bad", "refusal"),
    [
        (lambda identity: {"key": _impostor(identity)}, jwt.InvalidSignatureError),
        # botframework-connector 4.17 fails on an unknown kid with an IndexError of its own
        (lambda identity: {"key": fresh_key("stranger")}, IndexError),
        (lambda identity: {"issuer": "https://sts.windows.net/evil/"}, PermissionError),
        (lambda identity: {"audience": "someone-else"}, PermissionError),
        (lambda identity: {"issued_at": time.time() - 7200}, jwt.ExpiredSignatureError),
    ],
    ids=["impostor-key", "unknown-kid", "issuer", "audience", "expired"],
)
async def test_tokens_the_bot_must_refuse_are_refused_by_bot_framework(
    teams: TeamsStandIns, bad: Any, refusal: type[Exception]
) -> None:
    app_id = teams.app.app_id
    token = teams.identity.mint(app_id, teams.service_url, **bad(teams.identity))
    with pytest.raises(refusal):
        await asyncio.to_thread(
            _validate, teams.identity, app_id, f"Bearer {token}", teams.service_url
        )


async def test_a_token_for_another_service_url_is_refused(teams: TeamsStandIns) -> None:
    app_id = teams.app.app_id
    header = teams.identity.authorization(app_id, "https://smba.trafficmanager.net/emea/")
    with pytest.raises(PermissionError):
        await asyncio.to_thread(_validate, teams.identity, app_id, header, teams.service_url)
