"""Bot Framework authentication of what arrives on `/api/messages`, before the body is read.

Teams (through the Bot Framework channel service) signs every activity it sends with a JWT in
`Authorization: Bearer …`: RS256 by one of the keys published at the `jwks_uri` of Bot
Framework's OpenID metadata, issuer `https://api.botframework.com`, audience the bot's app id,
and a `serviceUrl` claim that must equal the activity's `serviceUrl` (otherwise a token taken
from one conversation could steer the bot's replies to a URL of the sender's choosing).

The token is checked on the raw header first (`verify`, a 401 for anything wrong), then the body
is parsed, then `check_service_url` compares the claim with the activity. The keys are fetched
once and cached for a day; a token signed by a key id not in the cache fetches them again (Bot
Framework rotates them), at most once a minute so a stranger's made-up key ids cost nothing,
even while Bot Framework's endpoint is failing; a key already trusted is used without waiting
for a fetch under way.
A key that lists `endorsements` signs only for those channels (Bot Framework's own rule).

Teams sends the same token with every activity for as long as it lasts (an hour), so a token
once verified is remembered until it expires (a bounded cache keyed by the token itself): the
RSA check and the claim checks are not redone for every click.

Why not botframework-connector's `JwtTokenValidation`: its metadata URL is a class attribute
shared by the whole process and it fetches with a blocking client inside the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt

log = logging.getLogger(__name__)

DEFAULT_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
ISSUER = "https://api.botframework.com"
LEEWAY_SECONDS = 300  # Bot Framework's own clock skew allowance
KEYS_FOR = 24 * 3600.0  # seconds a fetched key set is trusted before it is fetched again
REFETCH_AFTER = 60.0  # seconds: an unknown key id fetches the keys again at most this often
MAX_TOKEN_CHARS = 8192
VERIFIED_KEPT = 1024  # tokens remembered as verified (Teams reuses one per hour per bot)


class Unauthenticated(Exception):
    """The request is refused with `status` (401, or 503 when the keys cannot be fetched)."""

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Claims:
    """What a verified token says: the service URL it is good for, and the channels its key
    may sign for (empty: any)."""

    service_url: str
    endorsements: frozenset[str] = frozenset()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class BotFrameworkAuth:
    def __init__(
        self,
        app_id: str,
        *,
        metadata_url: str = DEFAULT_OPENID_METADATA_URL,
        session: aiohttp.ClientSession | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._app_id = app_id
        self._metadata_url = metadata_url
        self._session = session
        self._owns_session = session is None
        self._now = now
        self._keys: dict[str, tuple[Any, frozenset[str]]] = {}
        self._fetched_at = -1e18  # when the keys were last fetched
        self._tried_at = -1e18  # when a fetch was last tried, whether or not it worked
        self._lock = asyncio.Lock()
        self._verified: OrderedDict[str, tuple[float, Claims]] = OrderedDict()

    async def verify(self, authorization: str) -> Claims:
        """The claims of a valid Bot Framework token; raises `Unauthenticated` otherwise."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_CHARS:
            raise Unauthenticated("no Bot Framework token")
        known = self._verified.get(token)
        if known is not None and time.time() < known[0]:
            return known[1]
        claims = await self._check(token)
        expires = claims.raw.get("exp")
        if isinstance(expires, int | float):
            self._verified[token] = (float(expires), claims)
            while len(self._verified) > VERIFIED_KEPT:
                self._verified.popitem(last=False)
        return claims

    async def _check(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("not a JWT") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            raise Unauthenticated("not an RS256 token with a key id")
        key, endorsements = await self._key(header["kid"])
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self._app_id,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"token refused ({type(exc).__name__})") from None
        service_url = claims.get("serviceurl") or claims.get("serviceUrl") or ""
        return Claims(str(service_url), endorsements, claims)

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def _key(self, kid: str) -> tuple[Any, frozenset[str]]:
        found = self._keys.get(kid)
        if found is not None and self._now() - self._fetched_at <= KEYS_FOR:
            return found  # a trusted key never waits behind a fetch under way
        async with self._lock:
            now = self._now()
            stale = now - self._fetched_at > KEYS_FOR or kid not in self._keys
            if stale and now - self._tried_at > REFETCH_AFTER:
                self._tried_at = now  # failed or not: strangers' key ids do not fetch again
                await self._fetch()
        if not self._keys:  # none ever fetched: Bot Framework's outage, not the sender's fault
            raise Unauthenticated("cannot fetch Bot Framework's keys", 503)
        found = self._keys.get(kid)
        if found is None:
            raise Unauthenticated("signed by a key Bot Framework does not publish")
        return found

    async def _fetch(self) -> None:
        try:
            metadata = await self._get_json(self._metadata_url)
            jwks = await self._get_json(str(metadata["jwks_uri"]))
        except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as exc:
            log.warning("Bot Framework keys not fetched (%s)", type(exc).__name__)
            if not self._keys:
                raise Unauthenticated("cannot fetch Bot Framework's keys", 503) from None
            return  # keep the keys already trusted; a later request tries again
        keys: dict[str, tuple[Any, frozenset[str]]] = {}
        for entry in jwks.get("keys", []):
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            try:
                public = jwt.PyJWK(entry, algorithm="RS256").key
            except jwt.PyJWTError:
                continue
            endorsed = entry.get("endorsements")
            names = (
                frozenset(str(e) for e in endorsed) if isinstance(endorsed, list) else frozenset()
            )
            keys[entry["kid"]] = (public, names)
        self._keys = keys
        self._fetched_at = self._now()

    async def _get_json(self, url: str) -> dict[str, Any]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
            self._owns_session = True
        async with self._session.get(url) as response:
            response.raise_for_status()
            answer = await response.json(content_type=None)
        if not isinstance(answer, dict):
            raise ValueError("not a JSON object")
        return answer


def check_activity(claims: Claims, service_url: str, channel_id: str) -> None:
    """The token is good for this activity: the same `serviceUrl`, and a channel its key may
    sign for. Raises `Unauthenticated`."""
    if not claims.service_url or claims.service_url.rstrip("/") != service_url.rstrip("/"):
        raise Unauthenticated("the token is for another serviceUrl")
    if claims.endorsements and channel_id not in claims.endorsements:
        raise Unauthenticated("the signing key is not endorsed for this channel")
