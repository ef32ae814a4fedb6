"""Where the bot can speak to an organisation on Microsoft Teams without being spoken to first.

Teams gives a bot a conversation (a channel in the organisation's team, a group chat or a
personal chat) only when the app is installed there or someone addresses it; the reference it
then sends (conversation id, `serviceUrl`, tenant) is what every later proactive message needs.
It is stored, not kept in memory, so a page or an escalation reaches the organisation after a
restart and from any replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ConversationType(StrEnum):
    """Teams' `conversation.conversationType`."""

    CHANNEL = "channel"
    GROUP_CHAT = "groupChat"
    PERSONAL = "personal"


@dataclass(frozen=True)
class ConversationRef:
    """One Teams conversation the bot may post in, and the organisation it belongs to.

    `org_kind`/`org_id` are an `OrgKind` value and the organisation's id in config (a council
    or provider id); the tenant must be the one config gives that organisation, or the
    reference is refused when it is learnt. `user_id` is set for a personal chat (the person's
    Entra object id), "" otherwise.
    """

    org_kind: str
    org_id: str
    tenant_id: str
    conversation_id: str
    service_url: str
    conversation_type: ConversationType
    bot_id: str  # the bot's own id in the conversation (`recipient.id`, "28:<app id>")
    user_id: str = ""
    updated_at: datetime | None = None
