"""What the connector stand-in knows: tenants' people (a Teams user id `29:…` beside the Entra
object id), conversations (a team's channel, a group chat, a personal chat) with the bots in
their roster, and every activity posted in each, with its versions (for tests and the sandbox
page)."""

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
    tenant_id: str
    app_installed: bool = True  # the bot's app is installed in the person's personal scope


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
        self, tenant_id: str, name: str, aad_object_id: str = "", *, app_installed: bool = True
    ) -> Person:
        person = Person(
            f"29:{secrets.token_urlsafe(48)}",
            aad_object_id or str(uuid.uuid4()),
            name,
            tenant_id,
            app_installed,
        )
        self.people[person.user_id] = person
        return person

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
