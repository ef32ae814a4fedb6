"""A Bot Framework activity from Teams, checked field by field before anything acts on it.

Everything here has already passed the token check (handlers.teams.auth), but the body is still
input: a field missing or of the wrong type is a `MalformedActivity` (a 400 naming the field),
never a KeyError deep in a flow (a 500). Only what the edge uses is read; the rest of the
activity (entities, locale, attachments) is ignored, as Bot Framework allows.

Teams names the tenant twice (`conversation.tenantId` and `channelData.tenant.id`); both are
accepted, and an activity that names two different tenants is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.domain.conversations import ConversationType

MAX_BODY_BYTES = 256 * 1024  # a Teams activity is at most ~100 KB; anything larger is not one
MAX_ID = 400  # Teams' ids: "19:…@thread.tacv2;messageid=…", "a:1…" (long), GUIDs
MAX_TEXT = 40_000
MAX_NAME = 256  # Entra's longest displayName: Teams' `from.name` is the person's
TEAMS = "msteams"
MAX_ACTIVITY_ID = 128  # Teams': "1712345678901", "f:<guid>"; kept in idempotency keys of 200
MAX_BOT_ID = 200  # "28:<app id>"; the record keeps 200
GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class ActivityType:
    MESSAGE = "message"
    INVOKE = "invoke"
    CONVERSATION_UPDATE = "conversationUpdate"
    INSTALLATION_UPDATE = "installationUpdate"


class MalformedActivity(ValueError):
    """The body is not an activity the bot can act on; the message says which field."""


@dataclass(frozen=True)
class Inbound:
    """What the edge reads of an activity."""

    type: str
    id: str
    service_url: str
    tenant_id: str
    conversation_id: str
    conversation_type: ConversationType
    from_id: str
    from_name: str
    aad_object_id: str
    recipient_id: str
    text: str = ""
    name: str = ""  # an invoke's name, e.g. adaptiveCard/action
    value: Any = None
    members_added: tuple[str, ...] = ()
    action: str = ""  # installationUpdate's add / remove
    reply_to_id: str = ""

    @property
    def bot_added(self) -> bool:
        """The bot itself was added: the app installed in this conversation."""
        return self.recipient_id in self.members_added or (
            self.type == ActivityType.INSTALLATION_UPDATE and self.action.startswith("add")
        )


def parse_body(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_BODY_BYTES:
        raise MalformedActivity("the activity is too large")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested past the parser's depth
        raise MalformedActivity("the body is not JSON") from None
    if not isinstance(body, dict):
        raise MalformedActivity("the body is not a JSON object")
    return body


def _text(obj: dict[str, Any], key: str, where: str, *, required: bool, limit: int = MAX_ID) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise MalformedActivity(f"{where}{key} is missing")
        return ""
    if not isinstance(value, str):
        raise MalformedActivity(f"{where}{key} is not a string")
    if len(value) > limit:
        raise MalformedActivity(f"{where}{key} is too long")
    return value


def _object(obj: dict[str, Any], key: str, *, required: bool = True) -> dict[str, Any]:
    value = obj.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise MalformedActivity(f"{key} is {'not an object' if value is not None else 'missing'}")
    return value


def _service_url(body: dict[str, Any]) -> str:
    url = _text(body, "serviceUrl", "", required=True)
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    local = parts.scheme == "http" and parts.hostname in LOOPBACK  # a local stand-in only
    if not parts.hostname or not (secure or local):
        raise MalformedActivity("serviceUrl is not an https URL")
    return url


def _tenant(body: dict[str, Any], conversation: dict[str, Any]) -> str:
    from_conversation = _text(conversation, "tenantId", "conversation.", required=False)
    channel_data = _object(body, "channelData", required=False)
    tenant = channel_data.get("tenant") if channel_data else None
    from_channel_data = ""
    if tenant is not None:
        if not isinstance(tenant, dict):
            raise MalformedActivity("channelData.tenant is not an object")
        from_channel_data = _text(tenant, "id", "channelData.tenant.", required=False)
    if from_conversation and from_channel_data and from_conversation != from_channel_data:
        raise MalformedActivity("conversation.tenantId and channelData.tenant.id differ")
    tenant_id = from_conversation or from_channel_data
    if not tenant_id:
        raise MalformedActivity("the tenant (channelData.tenant.id) is missing")
    return tenant_id


def _entra_id(sender: dict[str, Any], *, required: bool) -> str:
    """`from.aadObjectId`: an Entra object id is a GUID. Anything else is no person (and would
    not fit the record's person and actor ids)."""
    value = _text(sender, "aadObjectId", "from.", required=required)
    if value and not GUID.fullmatch(value):
        raise MalformedActivity("from.aadObjectId is not an Entra object id (a GUID)")
    return value


def _members_added(body: dict[str, Any]) -> tuple[str, ...]:
    members = body.get("membersAdded")
    if members is None:
        return ()
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise MalformedActivity("membersAdded is not a list of accounts")
    return tuple(_text(m, "id", "membersAdded[].", required=True) for m in members)


def parse_activity(body: dict[str, Any]) -> Inbound:
    """The activity, or `MalformedActivity` naming the first field that is wrong."""
    kind = _text(body, "type", "", required=True, limit=64)
    channel = _text(body, "channelId", "", required=True, limit=64)
    if channel != TEAMS:
        raise MalformedActivity(f"channelId is {channel[:20]!r}: this bot serves msteams only")
    acting = kind in {ActivityType.MESSAGE, ActivityType.INVOKE}
    sender = _object(body, "from")
    conversation = _object(body, "conversation")
    recipient = _object(body, "recipient")
    raw_type = _text(conversation, "conversationType", "conversation.", required=False) or (
        ConversationType.PERSONAL.value
    )
    try:
        conversation_type = ConversationType(raw_type)
    except ValueError:
        raise MalformedActivity("conversation.conversationType is not one Teams uses") from None
    text = _text(body, "text", "", required=False, limit=MAX_TEXT)
    return Inbound(
        type=kind,
        id=_text(body, "id", "", required=acting, limit=MAX_ACTIVITY_ID),
        service_url=_service_url(body),
        tenant_id=_tenant(body, conversation),
        conversation_id=_text(conversation, "id", "conversation.", required=True),
        conversation_type=conversation_type,
        from_id=_text(sender, "id", "from.", required=True),
        from_name=_text(sender, "name", "from.", required=False, limit=MAX_NAME),
        aad_object_id=_entra_id(sender, required=acting),
        recipient_id=_text(recipient, "id", "recipient.", required=True, limit=MAX_BOT_ID),
        text=text,
        name=_text(body, "name", "", required=kind == ActivityType.INVOKE, limit=200),
        value=body.get("value"),
        members_added=_members_added(body),
        action=_text(body, "action", "", required=False, limit=64),
        reply_to_id=_text(body, "replyToId", "", required=False),
    )
