"""Which organisation a Teams conversation belongs to, and remembering it.

A conversation is learnt when the bot is installed in it or first addressed from it, and only
for a tenant that config gives to exactly one council or provider on Teams: the tenant is the
organisation's Microsoft 365 directory, so its people are the organisation's people. An unknown
tenant, or one config gives to several organisations (shared-service councils can share one),
is refused in words that say what to change, and nothing is stored.

A stored conversation keeps its organisation; if config later gives its tenant to another
organisation (or to none), the conversation no longer acts for anyone until it is learnt again.

The organisation's own conversation, where its incident cards and pages go (`of_org`), is the
one it last installed the app in, or the first it spoke from when it has none: a reference's
`updated_at` says when it became that. A conversation the bot is merely addressed from later
(another channel of the team, a group chat, a forwarded card) is stored so its people can act,
dated at the epoch, so it never takes the organisation's cards away from where they were put.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.domain.actors import OrgKind
from bot.domain.bindings import Platform
from bot.domain.conversations import ConversationRef, ConversationType
from bot.domain.errors import NotAuthorised
from bot.policy.model import Policy
from bot.ports import UnitOfWork
from bot.usecases.context import CoreContext

ADDRESSED_ONLY = datetime(1970, 1, 1, tzinfo=UTC)  # see the module's docstring
UNKNOWN_TENANT = (
    "This Microsoft 365 organisation is not one the CIR service knows. MHCLG's CIR team "
    "configures each council and provider on Teams with its tenant id; ask them to add yours."
)
SHARED_TENANT = (
    "This Microsoft 365 organisation belongs to more than one council or provider in the CIR "
    "service's configuration, so the bot cannot tell whom you act for. Ask MHCLG's CIR team."
)
UNKNOWN_CONVERSATION = (
    "This Teams conversation is not one the CIR service knows for your organisation. Add the "
    "CIR app to your organisation's team, then try again there."
)


@dataclass(frozen=True)
class Seen:
    """A conversation the bot was installed in or addressed from, as the activity says."""

    tenant_id: str
    conversation_id: str
    service_url: str
    conversation_type: ConversationType
    bot_id: str
    user_id: str = ""  # the person, for a personal chat


def organisations_of_tenant(policy: Policy, tenant_id: str) -> list[tuple[OrgKind, str]]:
    """The councils and providers on Teams whose configured tenant this is."""
    found: list[tuple[OrgKind, str]] = []
    if not tenant_id:
        return found
    wanted = tenant_id.lower()
    for council in policy.councils.values():
        place = council.teams
        if council.platform is Platform.TEAMS and place and place.tenant_id.lower() == wanted:
            found.append((OrgKind.COUNCIL, council.id))
    for provider in policy.providers.values():
        place = provider.teams
        if provider.platform is Platform.TEAMS and place and place.tenant_id.lower() == wanted:
            found.append((OrgKind.PROVIDER, provider.id))
    return found


def organisation_of_tenant(policy: Policy, tenant_id: str) -> tuple[OrgKind, str]:
    """The one organisation of a tenant; NotAuthorised (nothing stored) otherwise."""
    found = organisations_of_tenant(policy, tenant_id)
    if not found:
        raise NotAuthorised(UNKNOWN_TENANT)
    if len(found) > 1:
        raise NotAuthorised(SHARED_TENANT)
    return found[0]


def still_belongs(policy: Policy, ref: ConversationRef) -> bool:
    """The stored conversation's tenant is still its organisation's, and only its."""
    return organisations_of_tenant(policy, ref.tenant_id) == [(OrgKind(ref.org_kind), ref.org_id)]


async def may_learn(seen: Seen, uow: UnitOfWork, ctx: CoreContext) -> None:
    """`learn_conversation`'s refusals, checked without writing anything (an unknown or shared
    tenant; a conversation stored for another organisation), so a platform can ask something
    slow about the person (Teams' member lookup) between the two, outside any transaction."""
    kind, org_id = organisation_of_tenant(ctx.policy, seen.tenant_id)
    async with uow:
        known = await uow.conversations.by_id(seen.conversation_id)
    if known is not None and (known.org_kind, known.org_id) != (kind.value, org_id):
        raise NotAuthorised(UNKNOWN_CONVERSATION)


async def learn_conversation(
    seen: Seen, uow: UnitOfWork, ctx: CoreContext, *, installed: bool = False
) -> ConversationRef:
    """Store (or bring up to date) the conversation for the organisation of its tenant;
    `installed` when the app was just added there, which makes it the organisation's own."""
    kind, org_id = organisation_of_tenant(ctx.policy, seen.tenant_id)
    async with uow:
        known = await uow.conversations.by_id(seen.conversation_id)
        if known is not None and (known.org_kind, known.org_id) != (kind.value, org_id):
            raise NotAuthorised(UNKNOWN_CONVERSATION)
        became = ctx.clock.now()
        if not installed and known is not None and known.updated_at is not None:
            became = known.updated_at
        elif not installed and known is None:
            if await uow.conversations.of_org(kind.value, org_id) is not None:
                became = ADDRESSED_ONLY
        ref = ConversationRef(
            org_kind=kind.value,
            org_id=org_id,
            tenant_id=seen.tenant_id,
            conversation_id=seen.conversation_id,
            service_url=seen.service_url,
            conversation_type=seen.conversation_type,
            bot_id=seen.bot_id,
            user_id=seen.user_id if seen.conversation_type is ConversationType.PERSONAL else "",
            updated_at=became,
        )
        if known is not None and not installed and replace(known, updated_at=became) == ref:
            return known  # nothing new: no write on every message
        await uow.conversations.save(ref)
        await uow.commit()
        return ref


async def conversation_of(
    uow: UnitOfWork, ctx: CoreContext, tenant_id: str, conversation_id: str
) -> ConversationRef:
    """The stored conversation an activity came from, checked against today's config: the
    tenant must be the one it was learnt with and still belong to its organisation."""
    async with uow:
        ref = await uow.conversations.by_id(conversation_id)
    if ref is None or ref.tenant_id.lower() != tenant_id.lower():
        raise NotAuthorised(UNKNOWN_CONVERSATION)
    if not still_belongs(ctx.policy, ref):
        raise NotAuthorised(UNKNOWN_TENANT)
    return ref
