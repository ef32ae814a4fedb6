"""Who is clicking: a Slack user resolved to an Actor of an organisation in config.

In Slack Connect channels the payload's `team_id` is the installing workspace, not the external
user's, so the organisation comes from the user's own team (payload `user.team_id`, else
`users.info`), never from the request's team.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.actors import Actor, OrgKind
from bot.policy.model import Policy


@dataclass(frozen=True)
class SlackUser:
    user_id: str
    team_id: str
    name: str
    email: str
    guest: bool = False  # a (single- or multi-channel) guest account in its workspace


class Identity:
    def __init__(
        self,
        client: AsyncWebClient,
        policy: Policy,
        *,
        ttl_seconds: float = 600,
        learnt: Callable[[str], Awaitable[str | None]] | None = None,
    ) -> None:
        self._learnt = learnt  # a team id -> its council, learnt and confirmed (org_bindings)
        self._client = client
        self._policy = policy
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, SlackUser]] = {}

    async def user(self, user_id: str, team_hint: str = "") -> SlackUser:
        cached = self._cache.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            info = (await self._client.users_info(user=user_id))["user"]
        except SlackApiError:
            return SlackUser(user_id, team_hint, user_id, "")
        profile = info.get("profile") or {}
        user = SlackUser(
            user_id=user_id,
            team_id=info.get("team_id") or team_hint,
            name=profile.get("real_name") or info.get("real_name") or info.get("name") or user_id,
            email=profile.get("email") or "",
            guest=bool(info.get("is_restricted") or info.get("is_ultra_restricted")),
        )
        self._cache[user_id] = (time.monotonic() + self._ttl, user)
        return user

    async def actor(self, user_id: str, user_team_id: str = "") -> Actor:
        user = await self.user(user_id, user_team_id)
        team = user_team_id or user.team_id
        kind, org = self.organisation(user_id, team, guest=user.guest)
        if kind is OrgKind.UNKNOWN and not user.guest and team and self._learnt is not None:
            council = await self._learnt(team)  # a council workspace MHCLG has confirmed
            kind, org = (OrgKind.COUNCIL, council) if council else (kind, org)
        return Actor(user_id=f"slack:{team}:{user_id}", name=user.name, org_kind=kind, org_id=org)

    def organisation(
        self, user_id: str, team_id: str, *, guest: bool = False
    ) -> tuple[OrgKind, str]:
        """Configured people first; then the user's own workspace. A guest in a workspace is
        not a member of that organisation (MHCLG invites NCSC liaisons and others as guests):
        guests count only if configured, as observers."""
        mhclg = self._policy.mhclg
        if user_id in mhclg.assessors or user_id in mhclg.team_users:
            return OrgKind.MHCLG, "mhclg"
        if user_id in mhclg.ncsc_users:
            return OrgKind.NCSC, "ncsc"
        if user_id in mhclg.gc3_users:
            return OrgKind.GC3, "gc3"
        for provider in self._policy.providers.values():
            if user_id in provider.users:
                return OrgKind.PROVIDER, provider.id
        if guest:
            return OrgKind.UNKNOWN, f"guest:{team_id or 'unknown'}"
        if team_id and team_id == mhclg.slack_team_id:
            return OrgKind.MHCLG, "mhclg"
        for provider in self._policy.providers.values():
            if team_id and team_id in provider.slack_team_ids:
                return OrgKind.PROVIDER, provider.id
        for council in self._policy.councils.values():
            if team_id and team_id == council.slack_team_id:
                return OrgKind.COUNCIL, council.id
        return OrgKind.UNKNOWN, team_id or "unknown"
