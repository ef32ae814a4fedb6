"""Who is clicking: a Slack user resolved to an Actor of an organisation in config, failing
closed.

Slack says who someone is (`users.info`); when it cannot (an outage, a rate limit that outlasts
the client's retries, a user it does not know, a deactivated account), the person is no one:
`IdentityUnconfirmed` is raised before any use case runs, so nothing is stored and the person
is told to try again. Guessing from the payload (the team it names) would let a guest, or a
member of another organisation, act as whoever that team belongs to.

Successful lookups are cached for a short time on the injected clock, so a burst of clicks asks
Slack once; failures are never cached, so the next click asks again.

In Slack Connect channels the payload's `team_id` is the installing workspace, not the external
user's, so the organisation comes from the user's own team (`users.info`, else the payload's
`user.team_id`), never from the request's team.

MHCLG is its CIR team, not its workspace: the assessors, the team members and the duty managers
named in config/mhclg.yml, and the members of the team's Slack user group. Anyone else in
MHCLG's workspace is no organisation at all, and is refused like an outsider.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.actors import Actor, OrgKind
from bot.domain.clock import Clock, SystemClock
from bot.domain.errors import NotAuthorised
from bot.policy.model import Policy

log = logging.getLogger(__name__)

UNCONFIRMED = "Slack could not confirm who you are; try again in a minute."
CACHE_FOR = timedelta(minutes=5)
# users.info answers that mean "no such person" rather than "Slack is unwell"; either way the
# caller is no one, but only the second is worth a warning in the logs.
_NO_SUCH_USER = {"user_not_found", "user_not_visible", "account_inactive"}


class IdentityUnconfirmed(NotAuthorised):
    """Slack could not say who this is: nobody may act, nothing is recorded."""

    def __init__(self) -> None:
        super().__init__(UNCONFIRMED)


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
        clock: Clock | None = None,
        cache_for: timedelta = CACHE_FOR,
        learnt: Callable[[str], Awaitable[str | None]] | None = None,
    ) -> None:
        self._learnt = learnt  # a team id -> its council, learnt and confirmed (org_bindings)
        self._client = client
        self._policy = policy
        self._clock = clock or SystemClock()
        self._cache_for = cache_for
        self._cache: dict[str, tuple[datetime, SlackUser]] = {}
        self._group: tuple[datetime, frozenset[str]] | None = None

    async def user(self, user_id: str, team_hint: str = "") -> SlackUser:
        """The person as Slack knows them; raises IdentityUnconfirmed if Slack cannot say."""
        now = self._clock.now()
        cached = self._cache.get(user_id)
        if cached and cached[0] > now:
            return cached[1]
        if not user_id:
            raise IdentityUnconfirmed()
        try:
            info = (await self._client.users_info(user=user_id))["user"]
        except SlackApiError as exc:
            error = exc.response.get("error", "") if exc.response is not None else ""
            if error not in _NO_SUCH_USER:
                log.warning("users.info failed; caller refused", extra={"status": error})
            raise IdentityUnconfirmed() from None
        except (SlackClientError, OSError, TimeoutError):
            log.warning("users.info unreachable; caller refused")
            raise IdentityUnconfirmed() from None
        if not isinstance(info, dict) or info.get("deleted") or info.get("is_bot"):
            raise IdentityUnconfirmed()
        profile = info.get("profile") or {}
        user = SlackUser(
            user_id=user_id,
            team_id=str(info.get("team_id") or team_hint),
            name=profile.get("real_name") or info.get("real_name") or info.get("name") or user_id,
            email=profile.get("email") or "",
            guest=bool(info.get("is_restricted") or info.get("is_ultra_restricted")),
        )
        if not user.team_id:
            raise IdentityUnconfirmed()
        self._cache[user_id] = (now + self._cache_for, user)
        return user

    async def actor(self, user_id: str, user_team_id: str = "") -> Actor:
        """`user_team_id` is the payload's `user.team_id` (the person's own team), a fallback
        only for when Slack's answer names none; the request's `team_id` is never passed."""
        user = await self.user(user_id, user_team_id)
        team = user.team_id
        in_group = await self._in_team_usergroup(user_id, team, user.guest)
        kind, org = self.organisation(user_id, team, guest=user.guest, in_usergroup=in_group)
        if kind is OrgKind.UNKNOWN and not user.guest and team and self._learnt is not None:
            council = await self._learnt(team)  # a council workspace MHCLG has confirmed
            kind, org = (OrgKind.COUNCIL, council) if council else (kind, org)
        return Actor(user_id=f"slack:{team}:{user_id}", name=user.name, org_kind=kind, org_id=org)

    async def _in_team_usergroup(self, user_id: str, team_id: str, guest: bool) -> bool:
        """Members of the CIR team's user group count as the team. Asked only for non-guest
        members of MHCLG's workspace, cached like users; if Slack cannot say, not a member."""
        mhclg = self._policy.mhclg
        if not mhclg.team_usergroup or guest or team_id != mhclg.slack_team_id:
            return False
        now = self._clock.now()
        if self._group is None or self._group[0] <= now:
            try:
                answer = await self._client.usergroups_users_list(usergroup=mhclg.team_usergroup)
            except (SlackClientError, OSError, TimeoutError):
                log.warning("usergroups.users.list failed; user group counted as empty")
                return False
            self._group = (now + self._cache_for, frozenset(answer.get("users") or ()))
        return user_id in self._group[1]

    def organisation(
        self, user_id: str, team_id: str, *, guest: bool = False, in_usergroup: bool = False
    ) -> tuple[OrgKind, str]:
        """Configured people first; then the user's own workspace. A guest in a workspace is
        not a member of that organisation (MHCLG invites NCSC liaisons and others as guests):
        guests count only if configured. In MHCLG's workspace only the CIR team is MHCLG."""
        configured = self._configured(user_id)
        if configured is not None:
            return configured
        if guest:
            return OrgKind.UNKNOWN, f"guest:{team_id or 'unknown'}"
        return self._by_workspace(team_id, in_usergroup=in_usergroup)

    def _configured(self, user_id: str) -> tuple[OrgKind, str] | None:
        """A person named in config/, whatever workspace they are in."""
        mhclg = self._policy.mhclg
        if user_id in cir_team(self._policy):
            return OrgKind.MHCLG, "mhclg"
        if user_id in mhclg.ncsc_users:
            return OrgKind.NCSC, "ncsc"
        if user_id in mhclg.gc3_users:
            return OrgKind.GC3, "gc3"
        for provider in self._policy.providers.values():
            if user_id in provider.users:
                return OrgKind.PROVIDER, provider.id
        return None

    def _by_workspace(self, team_id: str, *, in_usergroup: bool) -> tuple[OrgKind, str]:
        """A member (not a guest) of a workspace: its organisation. In MHCLG's own workspace
        only the CIR user group counts as MHCLG."""
        if not team_id:
            return OrgKind.UNKNOWN, "unknown"
        if team_id == self._policy.mhclg.slack_team_id:
            if in_usergroup:
                return OrgKind.MHCLG, "mhclg"
            return OrgKind.UNKNOWN, f"mhclg-workspace:{team_id}"
        for provider in self._policy.providers.values():
            if team_id in provider.slack_team_ids:
                return OrgKind.PROVIDER, provider.id
        for council in self._policy.councils.values():
            if team_id == council.slack_team_id:
                return OrgKind.COUNCIL, council.id
        return OrgKind.UNKNOWN, team_id


def cir_team(policy: Policy) -> frozenset[str]:
    """MHCLG's CIR team by Slack user id: assessors, team members and the duty managers on the
    rota (the user group is asked of Slack separately)."""
    mhclg = policy.mhclg
    managers = {s.manager.slack_user for s in mhclg.duty_rota if s.manager.slack_user}
    return frozenset({*mhclg.assessors, *mhclg.team_users, *managers})
