"""A small local stand-in of what the Teams edge talks to, for its own tests: Entra's token
endpoint, the Bot Connector's v3 REST calls, and Bot Framework's OpenID metadata with a JWKS of
a locally made RSA key that mints channel tokens as Bot Framework signs them.

(teams-standins builds the full stand-in in `sandbox/teams/`; this is the minimum the edge's
tests need until then.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.local_server import LocalServer

APP_ID = "00000000-0000-0000-0000-0000000000b0"
SECRET = "s3cret"
ISSUER = "https://api.botframework.com"


@cache
def signing_key(name: str = "main") -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(
    kid: str, name: str = "main", endorsements: list[str] | None = None
) -> dict[str, Any]:
    jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(
        signing_key(name).public_key(), as_dict=True
    )
    jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
    if endorsements is not None:
        jwk["endorsements"] = endorsements
    return jwk


def mint(
    service_url: str,
    *,
    app_id: str = APP_ID,
    issuer: str = ISSUER,
    kid: str = "key-1",
    key: str = "main",
    lifetime: float = 3600,
    issued: float | None = None,
) -> str:
    """A channel token as Bot Framework signs one for a bot."""
    now = time.time() if issued is None else issued
    claims = {
        "iss": issuer,
        "aud": app_id,
        "serviceurl": service_url,
        "nbf": int(now) - 5,
        "iat": int(now) - 5,
        "exp": int(now + lifetime),
    }
    return jwt.encode(claims, signing_key(key), algorithm="RS256", headers={"kid": kid})


@dataclass
class TeamsRig(LocalServer):
    """Tokens it issued only; Bot Connector answers queued per test (status, body, headers)."""

    token_calls: int = 0
    calls: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)
    queued: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    issued: set[str] = field(default_factory=set)
    jwks: list[dict[str, Any]] = field(
        default_factory=lambda: [public_jwk("key-1", endorsements=["msteams"])]
    )
    key_fetches: int = 0
    url: str = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/token", self._token)
        app.router.add_get("/openid", self._openid)
        app.router.add_get("/keys", self._keys)
        app.router.add_route("*", "/v3/{tail:.*}", self._v3)
        self.url = await self._serve(app)

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/openid"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    async def _openid(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": ISSUER,
                "jwks_uri": f"{self.url}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.key_fetches += 1
        return web.json_response({"keys": self.jwks})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != APP_ID or form.get("client_secret") != SECRET:
            return web.json_response({"error": "invalid_client"}, status=401)
        if form.get("scope") != "https://api.botframework.com/.default":
            return web.json_response({"error": "invalid_scope"}, status=400)
        self.token_calls += 1
        token = f"tok-{self.token_calls}"
        self.issued.add(token)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        )

    async def _v3(self, request: web.Request) -> web.Response:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.issued:
            return web.json_response({"message": "Authorization has been denied"}, status=401)
        body = await request.json()
        self.calls.append((request.method, request.path, body, bearer))
        if self.queued:
            status, answer, headers = self.queued.pop(0)
            return web.json_response(answer, status=status, headers=headers)
        if request.path == "/v3/conversations":
            return web.json_response({"id": "a:1on1-" + body["members"][0]["id"]}, status=201)
        return web.json_response({"id": f"act-{len(self.calls)}"}, status=201)

    def sent(self) -> list[dict[str, Any]]:
        """The activities the bot posted or updated, in order."""
        return [body for _, path, body, _ in self.calls if "/activities" in path]
