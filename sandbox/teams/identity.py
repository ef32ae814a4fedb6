"""The identity side of Teams, on loopback: Microsoft Entra's token endpoint, where a bot trades
its app id and password for a Bot Connector access token (OAuth2 client credentials), and Bot
Framework's OpenID metadata and signing keys, against which a bot checks the token Teams sends
with every activity. It also mints those Teams tokens, so tests post signed activities to the
bot's `/api/messages` exactly as Teams would, with a key that only lives on this machine.

Two keys, as in the real services: `token_key` signs the access tokens handed to bots (the
connector stand-in accepts only those), `channel_key` signs what "Teams" sends to bots (published
in the JWKS with its endorsements). Entra's refusals carry its status, `error` and AADSTS code.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web

from sandbox.local_server import LocalServer
from sandbox.teams.keys import SigningKey, shared_key

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"  # iss of Teams' tokens to the bot
CONNECTOR_AUDIENCE = "https://api.botframework.com"  # aud of the bot's tokens to the connector
CONNECTOR_SCOPE = f"{CONNECTOR_AUDIENCE}/.default"
MULTI_TENANT = "botframework.com"
BOTFRAMEWORK_TENANT_ID = "d6d49420-f39b-4df7-a1dc-d59a935871db"  # botframework.com's directory
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
TOKEN_LIFETIME = 3599  # what Entra answers for a client-credentials token
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class App:
    """A bot's app registration: its id, its password (client secret), and for a single-tenant
    app the one tenant whose token endpoint issues its tokens ("" = multi-tenant)."""

    app_id: str
    password: str
    tenant_id: str = ""

    @property
    def bot_id(self) -> str:
        """The bot's id in Teams conversations."""
        return f"28:{self.app_id}"


class TokenRefused(Exception):
    """An access token the connector must not accept; `reason` says why, for test failures."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _aad_error(status: int, error: str, code: int, description: str) -> web.Response:
    return web.json_response(
        {
            "error": error,
            "error_description": f"AADSTS{code}: {description} "
            f"Trace ID: {uuid.uuid4()} Correlation ID: {uuid.uuid4()} "
            f"Timestamp: {time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())}",
            "error_codes": [code],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        },
        status=status,
    )


class FakeBotIdentity(LocalServer):
    """Entra's token endpoint and Bot Framework's OpenID metadata + JWKS, with token minting."""

    def __init__(
        self,
        *,
        channel_key: SigningKey | None = None,
        token_key: SigningKey | None = None,
        endorsements: tuple[str, ...] = ("msteams",),
        token_lifetime: int = TOKEN_LIFETIME,
    ) -> None:
        self.apps: dict[str, App] = {}
        self.channel_key = channel_key or shared_key("botframework-channel")
        self.token_key = token_key or shared_key("entra-tokens")
        self.endorsements = endorsements
        self.token_lifetime = token_lifetime
        self.token_requests: list[tuple[str, int]] = []  # (client_id, status) per request
        self.metadata_requests = 0
        self.keys_requests = 0
        self.issued: list[str] = []  # every access token handed out, oldest first
        self._token_faults: deque[int] = deque()
        self._revoked: set[str] = set()
        self.root = ""

    # --- set-up -----------------------------------------------------------------------------

    def register_app(self, app_id: str = "", password: str = "", tenant_id: str = "") -> App:
        app = App(app_id or str(uuid.uuid4()), password or secrets.token_urlsafe(30), tenant_id)
        self.apps[app.app_id] = app
        return app

    def fail_token_next(self, status: int = 503, times: int = 1) -> None:
        """The token endpoint answers `status` (as Entra's front door does in an outage)."""
        self._token_faults.extend([status] * times)

    def revoke(self, access_token: str) -> None:
        """The connector refuses this token from now on (as if it had expired early)."""
        self._revoked.add(access_token)

    # --- addresses --------------------------------------------------------------------------

    def token_url(self, tenant: str = MULTI_TENANT) -> str:
        """Entra's v2.0 token endpoint for a tenant (multi-tenant apps: botframework.com)."""
        return f"{self._started()}/{tenant}/oauth2/v2.0/token"

    @property
    def openid_metadata_url(self) -> str:
        return f"{self._started()}{METADATA_PATH}"

    def _started(self) -> str:
        if not self.root:
            raise RuntimeError("FakeBotIdentity is not started")
        return self.root

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get(METADATA_PATH, self._metadata)
        app.router.add_get(KEYS_PATH, self._keys)
        self.root = await self._serve(app, access_log=None, shutdown_timeout=0.5)

    # --- Teams' tokens to the bot -----------------------------------------------------------

    def mint(
        self,
        app_id: str,
        service_url: str,
        *,
        lifetime: int = 3600,
        issued_at: float | None = None,
        key: SigningKey | None = None,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        audience: str | None = None,
    ) -> str:
        """A token as Bot Framework signs one for an activity Teams sends to the bot `app_id`:
        RS256 under a published `kid`, iss api.botframework.com, aud the app id, and the
        activity's serviceUrl in the `serviceurl` claim. Every argument past the first two
        exists to make a token the bot must refuse (expired, foreign key, wrong issuer...)."""
        now = int(time.time() if issued_at is None else issued_at)
        signer = key or self.channel_key
        claims = {
            "serviceurl": service_url,
            "nbf": now - 5,
            "exp": now + lifetime,
            "iss": issuer,
            "aud": app_id if audience is None else audience,
        }
        return jwt.encode(claims, signer.private, algorithm="RS256", headers={"kid": signer.kid})

    def authorization(self, app_id: str, service_url: str) -> str:
        """The Authorization header Teams sends with an activity."""
        return f"Bearer {self.mint(app_id, service_url)}"

    # --- the bot's tokens to the connector --------------------------------------------------

    def check_access_token(self, token: str) -> App:
        """The app a connector access token was issued to, if this endpoint issued it and it is
        still good; raises `TokenRefused` otherwise."""
        if token in self._revoked:
            raise TokenRefused("revoked")
        try:
            claims = jwt.decode(
                token,
                self.token_key.public,
                algorithms=["RS256"],
                audience=CONNECTOR_AUDIENCE,
                options={"require": ["exp", "nbf", "iss", "aud", "appid"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenRefused(type(exc).__name__) from None
        app = self.apps.get(str(claims["appid"]))
        if app is None:
            raise TokenRefused("unknown app")
        if claims["iss"] != f"https://sts.windows.net/{claims.get('tid')}/":
            raise TokenRefused("issuer")
        return app

    def _issue(self, app: App) -> str:
        tenant = app.tenant_id or BOTFRAMEWORK_TENANT_ID
        now = int(time.time())
        claims = {
            "aud": CONNECTOR_AUDIENCE,
            "iss": f"https://sts.windows.net/{tenant}/",
            "iat": now,
            "nbf": now - 5,
            "exp": now + self.token_lifetime,
            "appid": app.app_id,
            "appidacr": "1",
            "idp": f"https://sts.windows.net/{tenant}/",
            "tid": tenant,
            "ver": "1.0",
            "uti": secrets.token_urlsafe(16),
        }
        token = jwt.encode(
            claims, self.token_key.private, algorithm="RS256", headers={"kid": self.token_key.kid}
        )
        self.issued.append(token)
        return token

    # --- HTTP -------------------------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post() if request.content_type == FORM else {}
        client_id = str(form.get("client_id", ""))
        response = self._token_answer(request.match_info["tenant"], form)
        self.token_requests.append((client_id, response.status))
        return response

    def _token_answer(self, tenant: str, form: Any) -> web.Response:
        if self._token_faults:
            status = self._token_faults.popleft()
            if status == 429:
                response = _aad_error(429, "temporarily_unavailable", 50196, "Too many requests.")
                response.headers["Retry-After"] = "1"
                return response
            return web.Response(status=status, text="Service Unavailable")
        grant_type = form.get("grant_type")
        if not grant_type:
            return _aad_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        if grant_type != "client_credentials":
            return _aad_error(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant_type}'.",
            )
        client_id = str(form.get("client_id", ""))
        if not client_id:
            return _aad_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            )
        app = self.apps.get(client_id)
        directory = (app.tenant_id or MULTI_TENANT) if app else ""
        if app is None or tenant != directory:
            return _aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{tenant}'.",
            )
        if not secrets.compare_digest(str(form.get("client_secret", "")), app.password):
            return _aad_error(401, "invalid_client", 7000215, "Invalid client secret provided.")
        if form.get("scope") != CONNECTOR_SCOPE:
            return _aad_error(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {form.get('scope')} is not valid.",
            )
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": self._issue(app),
            }
        )

    async def _metadata(self, request: web.Request) -> web.Response:
        self.metadata_requests += 1
        return web.json_response(
            {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": f"{self.root}{KEYS_PATH}",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.keys_requests += 1
        return web.json_response({"keys": [self.channel_key.jwk(self.endorsements)]})
