"""What the connector stand-in knows: tenants' people (a Teams user id `29:…` beside the Entra
object id), conversations (a team's channel, a group chat, a personal chat) with the bots and
the people in their roster, and every activity posted in each, with its versions (for tests and
the sandbox page).

A person lives in one tenant's directory. A member's user principal name is plain
(`hana.council@<tenant>.onmicrosoft.com`); a Microsoft Entra B2B guest is an account of its own
in the host's directory, named as Entra names every guest: its home address with `@` as `_`,
then `#EXT#@<host>.onmicrosoft.com`. Each tenant's channels here are one team: its members and
its invited guests are in the roster of every channel of the tenant, whichever was added first,
until `remove_member` takes someone out. A group chat's roster is whom it was made with."""

from __future__ import annotations

import itertools
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

ConversationType = Literal["personal", "channel", "groupChat"]
_ids = itertools.count(int(time.time() * 1000))


def activity_id() -> str:
    """Teams' activity ids are millisecond timestamps; these only ever grow."""
    return str(next(_ids))


@dataclass
class Person:
    user_id: str  # "29:…", what activities carry in from.id
    aad_object_id: str  # the Entra object id (Contact.teams_user)
    name: str
    tenant_id: str  # the directory the account is in (for a guest: the host's)
    app_installed: bool = True  # the bot's app is installed in the person's personal scope
    home_tenant_id: str = ""  # a B2B guest's own organisation's tenant; "" for a member
    email: str = ""
    user_principal_name: str = ""
    # what Teams' member lookup says as userRole, when it says something other than the truth
    # (Microsoft reported "user" for a guest); None: "guest" for a guest, else "user"
    reported_role: str | None = None

    @property
    def guest(self) -> bool:
        return bool(self.home_tenant_id)

    @property
    def user_role(self) -> str:
        if self.reported_role is not None:
            return self.reported_role
        return "guest" if self.guest else "user"


def domain_of(tenant_id: str) -> str:
    """A tenant's initial domain, as Entra gives every tenant one."""
    return f"t{tenant_id.split('-')[0].lower()}.onmicrosoft.com"


def _local_part(name: str) -> str:
    return ".".join(w for w in "".join(c if c.isalnum() else " " for c in name).lower().split())


@dataclass
class Posted:
    """One activity in a conversation: as it is now, and every version it had."""

    id: str
    bot_id: str
    reply_to: str | None
    versions: list[dict[str, Any]]
    at: float = field(default_factory=time.time)

    @property
    def activity(self) -> dict[str, Any]:
        return self.versions[-1]


@dataclass
class Conversation:
    id: str
    tenant_id: str
    conversation_type: ConversationType
    name: str = ""
    bot_ids: set[str] = field(default_factory=set)
    member_ids: list[str] = field(default_factory=list)
    blocked: bool = False  # the person blocked the bot (personal chats)
    activities: dict[str, Posted] = field(default_factory=dict)


class Directory:
    def __init__(self) -> None:
        self.people: dict[str, Person] = {}  # by Teams user id
        self.conversations: dict[str, Conversation] = {}

    def add_person(
        self,
        tenant_id: str,
        name: str,
        aad_object_id: str = "",
        *,
        app_installed: bool = True,
        guest_from: str = "",
    ) -> Person:
        """A member of `tenant_id`, or (`guest_from`: their own tenant) a B2B guest invited into
        it; either way in the roster of the tenant's channels."""
        local = _local_part(name) or "someone"
        if guest_from:
            email = f"{local}@{domain_of(guest_from)}"
            upn = f"{email.replace('@', '_')}#EXT#@{domain_of(tenant_id)}"
        else:
            email = upn = f"{local}@{domain_of(tenant_id)}"
        person = Person(
            f"29:{secrets.token_urlsafe(48)}",
            aad_object_id or str(uuid.uuid4()),
            name,
            tenant_id,
            app_installed,
            home_tenant_id=guest_from,
            email=email,
            user_principal_name=upn,
        )
        self.people[person.user_id] = person
        for conversation in self.conversations.values():
            if conversation.conversation_type == "channel" and conversation.tenant_id == tenant_id:
                conversation.member_ids.append(person.user_id)
        return person

    def member(self, conversation: Conversation, member_id: str) -> Person | None:
        """Someone in the conversation's roster, named by their `29:` id, Entra object id or
        user principal name (as Teams' member lookup takes any of the three)."""
        wanted = member_id.lower()
        for user_id in conversation.member_ids:
            person = self.people.get(user_id)
            if person is not None and wanted in (
                person.user_id.lower(),
                person.aad_object_id.lower(),
                person.user_principal_name.lower(),
            ):
                return person
        return None

    def remove_member(self, conversation_id: str, person: Person) -> None:
        """`person` taken out of the conversation's roster (removed from the team)."""
        roster = self.conversations[conversation_id].member_ids
        if person.user_id in roster:
            roster.remove(person.user_id)

    def find_person(self, tenant_id: str, member_id: str) -> Person | None:
        """A member as create-conversation names one: the `29:` id or the Entra object id."""
        for person in self.people.values():
            if person.tenant_id == tenant_id and member_id.lower() in (
                person.user_id.lower(),
                person.aad_object_id.lower(),
            ):
                return person
        return None

    def add_conversation(
        self,
        tenant_id: str,
        conversation_type: ConversationType,
        name: str = "",
        bot_ids: tuple[str, ...] = (),
        member_ids: tuple[str, ...] = (),
    ) -> Conversation:
        if conversation_type == "channel":
            conversation_id = f"19:{uuid.uuid4().hex}@thread.tacv2"
        elif conversation_type == "groupChat":
            conversation_id = f"19:{uuid.uuid4().hex}@thread.v2"
        else:
            conversation_id = f"a:{secrets.token_urlsafe(60)}"
        if conversation_type == "channel" and not member_ids:  # the tenant's team
            member_ids = tuple(p.user_id for p in self.people.values() if p.tenant_id == tenant_id)
        conversation = Conversation(
            conversation_id, tenant_id, conversation_type, name, set(bot_ids), list(member_ids)
        )
        self.conversations[conversation_id] = conversation
        return conversation

    def personal(self, bot_id: str, person: Person) -> Conversation:
        """The one personal chat between a bot and a person (Teams answers the same id each
        time it is asked to create it)."""
        for conversation in self.conversations.values():
            if (
                conversation.conversation_type == "personal"
                and bot_id in conversation.bot_ids
                and conversation.member_ids == [person.user_id]
            ):
                return conversation
        return self.add_conversation(
            person.tenant_id, "personal", person.name, (bot_id,), (person.user_id,)
        )
