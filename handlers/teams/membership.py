"""Is the person who acted on Teams a member of the organisation whose Teams it is, or a guest?

A Teams activity names the host's tenant and the host's conversation, whoever sent it. A
Microsoft Entra B2B guest (a council officer invited into KPMG's team, a provider's consultant
in a council's team) arrives with exactly those, so the tenant and the conversation alone would
let the guest act AS the host: press KPMG's "contact made" and stop the escalation ladder,
acknowledge a page for KPMG. So before anyone acts, the bot asks Teams who they are in that
conversation (the Bot Connector's member lookup, `BotConnector.member`) and only a member of
the host's own directory may act; a guest, an anonymous meeting user, or anyone Teams cannot
vouch for is refused, and nothing is stored.

Who counts as a guest: Teams' `userRole` says "guest" (or "anonymous" for an anonymous meeting
user), but Microsoft's own support engineers reported that it answered "user" for a guest
(MicrosoftDocs/msteams-docs#6381), so it is not trusted alone. A guest is also anyone whose
`userPrincipalName` contains `#EXT#` (Entra names every B2B guest account
`<their address with @ as _>#EXT#@<host>.onmicrosoft.com`), or whose `tenantId`, when given,
is not the conversation's. A member is confirmed only by a user principal name without that
mark (and no guest role, and no other tenant): "user" alone is the answer seen misreported,
so an answer without a UPN confirms nothing. The answer must also be about the person who
acted: an Entra object id other than the activity's is no confirmation, and neither is a role
Teams has not been seen to use. Every doubt refuses.

Cost: not a lookup per click. A confirmed verdict (member or guest) is kept in this process for
`CACHE_FOR` per (tenant, conversation, Teams user id, Entra object id), at most `CACHE_SIZE`
of them (least recently used dropped first). The bound is safe: the verdict rests on what an
account is in the host's directory, and a member cannot silently become a guest of the same
tenant (a B2B guest is a different account, with its own ids, so it never hits a member's
entry; turning one kind into the other is an administrator's deliberate act); what does change
is membership (someone removed from the team), and that is asked again within the bound. A
failed lookup (Teams unreachable, throttled past what a click can wait, a 404 for someone not
in the conversation) is never kept: the next click asks again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from bot.domain.clock import Clock
from bot.domain.errors import NotAuthorised
from handlers.teams.activity import Inbound
from handlers.teams.connector import MAX_RETRY_AFTER, BotConnector, ConnectorError

log = logging.getLogger(__name__)

GUEST = (
    "You are a guest in this organisation's Teams, so you cannot act for it here; nothing was "
    "done. Use your own organisation's Teams or Slack."
)
UNCONFIRMED = (
    "Teams could not confirm that you are a member of this organisation's Teams, so nothing "
    "was done. Try again in a minute."
)
GUEST_ROLES = frozenset({"guest", "anonymous"})
MEMBER_ROLE = "user"
EXTERNAL_UPN = "#ext#"  # Entra's mark in every B2B guest's user principal name
CACHE_FOR = timedelta(minutes=10)
CACHE_SIZE = 4096
PATIENCE = 2.0  # seconds: the longest single wait for Teams while a person waits on a click
# seconds: the whole lookup, retries and a token renewal included. Teams gives a bot about 5 s
# to answer an invoke; a lookup that outlasts it would leave the person with Teams' own error
# instead of being told that nothing was done.
BUDGET = 4.0
# An installation is no click: nobody waits on its answer, and refusing it for a passing 503
# leaves the team out of where the organisation's pages go until the app is added again. Its
# lookup waits out the connector's own retries and backoff, within this.
INSTALL_BUDGET = 30.0
INSTALL_GUEST = (
    "The CIR bot was added here by a guest in this organisation's Teams, so it is not set up "
    "in this conversation: nothing will be posted here. Someone from the organisation itself "
    "must add the app."
)
INSTALL_UNCONFIRMED = (
    "Teams could not confirm that whoever added the CIR bot is a member of this organisation's "
    "Teams, so it is not set up in this conversation: nothing will be posted here. Remove the "
    "app and add it again."
)


class Verdict(Enum):
    MEMBER = "member"
    GUEST = "guest"


class GuestRefused(NotAuthorised):
    def __init__(self, message: str = GUEST) -> None:
        super().__init__(message)


class MembershipUnconfirmed(NotAuthorised):
    def __init__(self, message: str = UNCONFIRMED) -> None:
        super().__init__(message)


def _text(account: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = account.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def verdict_of(account: dict[str, Any], tenant_id: str, aad_object_id: str) -> Verdict | None:
    """What Teams' answer says of the person in the conversation of `tenant_id`: a member, a
    guest, or None when it confirms nothing (see the module's docstring)."""
    object_id = _text(account, "aadObjectId", "objectId")  # botbuilder's key; Teams' docs'
    if object_id and object_id.lower() != aad_object_id.lower():
        return None  # an answer about someone else
    role = _text(account, "userRole").lower()
    upn = _text(account, "userPrincipalName").lower()
    tenant = _text(account, "tenantId").lower()
    if role in GUEST_ROLES or EXTERNAL_UPN in upn or (tenant and tenant != tenant_id.lower()):
        return Verdict.GUEST
    if role not in ("", MEMBER_ROLE) or not upn:
        return None  # a role alone is what has been seen misreported: it confirms nothing
    return Verdict.MEMBER


Key = tuple[str, str, str, str]


class Membership:
    """The member lookup behind every Teams action, with its bounded in-process cache."""

    def __init__(
        self,
        connector: BotConnector,
        clock: Clock,
        *,
        cache_for: timedelta = CACHE_FOR,
        size: int = CACHE_SIZE,
        patience: float = PATIENCE,
        budget: float = BUDGET,
    ) -> None:
        self._connector = connector
        self._clock = clock
        self._cache_for = cache_for
        self._size = max(1, size)
        self._patience = patience
        self._budget = budget
        self._verdicts: OrderedDict[Key, tuple[datetime, Verdict]] = OrderedDict()

    async def confirm(self, activity: Inbound, *, installing: bool = False) -> None:
        """Returns if the sender is a member of the host's own directory; raises
        `GuestRefused` for a guest, `MembershipUnconfirmed` when Teams cannot say, each with
        an installation's own words when `installing` (then the lookup is patient)."""
        try:
            verdict = await self.verdict(activity, patient=installing)
        except MembershipUnconfirmed:
            if installing:
                raise MembershipUnconfirmed(INSTALL_UNCONFIRMED) from None
            raise
        if verdict is Verdict.GUEST:
            raise GuestRefused(INSTALL_GUEST if installing else GUEST)

    async def verdict(self, activity: Inbound, *, patient: bool = False) -> Verdict:
        if not activity.from_id or not activity.aad_object_id:
            raise MembershipUnconfirmed()
        key = (
            activity.tenant_id.lower(),
            activity.conversation_id,
            activity.from_id,
            activity.aad_object_id.lower(),
        )
        cached = self._cached(key)
        if cached is not None:
            return cached
        if patient:  # an installation: the connector's own retries, within its budget
            budget, patience = INSTALL_BUDGET, MAX_RETRY_AFTER
        else:
            budget, patience = self._budget, self._patience
        try:
            async with asyncio.timeout(budget):
                account = await self._connector.member(
                    activity.service_url,
                    activity.conversation_id,
                    activity.from_id,
                    patience=patience,
                )
        except ConnectorError as exc:
            log.warning(
                "Teams member lookup failed; the person was refused",
                extra={"status": f"{exc.status} {exc.code}"},
            )
            raise MembershipUnconfirmed() from None
        except TimeoutError:
            log.warning("Teams member lookup took over %ss; the person was refused", budget)
            raise MembershipUnconfirmed() from None
        verdict = verdict_of(account, activity.tenant_id, activity.aad_object_id)
        if verdict is None:
            log.warning("Teams member lookup confirmed nothing; the person was refused")
            raise MembershipUnconfirmed()
        self._keep(key, verdict)
        return verdict

    def _cached(self, key: Key) -> Verdict | None:
        found = self._verdicts.get(key)
        if found is None:
            return None
        now = self._clock.now()
        expires, verdict = found
        # a clock set back never stretches an entry past its bound
        if not now < expires <= now + self._cache_for:
            del self._verdicts[key]
            return None
        self._verdicts.move_to_end(key)
        return verdict

    def _keep(self, key: Key, verdict: Verdict) -> None:
        self._verdicts[key] = (self._clock.now() + self._cache_for, verdict)
        self._verdicts.move_to_end(key)
        while len(self._verdicts) > self._size:
            self._verdicts.popitem(last=False)
