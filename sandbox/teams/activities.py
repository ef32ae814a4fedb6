"""Activities exactly as Teams sends them to a bot's messaging endpoint, and the signed POST
that carries them, so tests (and the sandbox page) drive the bot's real Bot Framework
authentication and parsing rather than calling its handlers.

Shapes follow what Teams sends: `channelId` "msteams", `from` with the `29:` id and the Entra
object id, `recipient` the bot (`28:<app id>`), `conversation` with its type and tenant,
`channelData.tenant.id`, and for a card button an `invoke` named `adaptiveCard/action` whose
value is the `Action.Execute` (verb and data) with `trigger: manual`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from sandbox.teams.directory import Conversation, Person, activity_id
from sandbox.teams.identity import App, FakeBotIdentity

CHANNEL_ID = "msteams"
INVOKE_ACTION = "adaptiveCard/action"


@dataclass(frozen=True)
class Origin:
    """Which Teams is speaking, to which bot: the serviceUrl replies go to, and the app."""

    service_url: str
    app: App
    bot_name: str = "CIR"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _base(origin: Origin, conversation: Conversation, person: Person) -> dict[str, Any]:
    conversation_json: dict[str, Any] = {
        "id": conversation.id,
        "conversationType": conversation.conversation_type,
        "tenantId": conversation.tenant_id,
    }
    if conversation.conversation_type != "personal":
        conversation_json["isGroup"] = True
    channel_data: dict[str, Any] = {"tenant": {"id": conversation.tenant_id}}
    if conversation.conversation_type == "channel":
        channel_data["channel"] = {"id": conversation.id}
        channel_data["team"] = {"id": conversation.id}
    return {
        "id": activity_id(),
        "timestamp": _now(),
        "serviceUrl": origin.service_url,
        "channelId": CHANNEL_ID,
        "from": {"id": person.user_id, "name": person.name, "aadObjectId": person.aad_object_id},
        "conversation": conversation_json,
        "recipient": {"id": origin.app.bot_id, "name": origin.bot_name},
        "channelData": channel_data,
        "locale": "en-GB",
    }


def message(
    origin: Origin, conversation: Conversation, person: Person, text: str
) -> dict[str, Any]:
    """A person writes to the bot (in a channel the bot is @mentioned, as Teams requires)."""
    activity = _base(origin, conversation, person) | {"type": "message", "textFormat": "plain"}
    if conversation.conversation_type == "personal":
        activity["text"] = text
        return activity
    mention = f"<at>{origin.bot_name}</at>"
    activity["text"] = f"{mention} {text}"
    activity["entities"] = [
        {
            "type": "mention",
            "text": mention,
            "mentioned": {"id": origin.app.bot_id, "name": origin.bot_name},
        }
    ]
    return activity


def card_action(
    origin: Origin,
    conversation: Conversation,
    person: Person,
    verb: str,
    data: dict[str, Any] | None = None,
    *,
    reply_to: str = "",
) -> dict[str, Any]:
    """A person clicks an `Action.Execute` button (or a card refreshes itself for them)."""
    return _base(origin, conversation, person) | {
        "type": "invoke",
        "name": INVOKE_ACTION,
        "replyToId": reply_to,
        "value": {
            "action": {
                "type": "Action.Execute",
                "id": str(uuid.uuid4()),
                "verb": verb,
                "data": data or {},
            },
            "trigger": "manual",
        },
    }


def bot_installed(origin: Origin, conversation: Conversation, by: Person) -> dict[str, Any]:
    """The app is installed where `conversation` is: Teams says so with the bot added."""
    activity = _base(origin, conversation, by) | {"type": "conversationUpdate"}
    activity["membersAdded"] = [{"id": origin.app.bot_id}]
    if conversation.conversation_type == "channel":
        activity["channelData"]["eventType"] = "teamMemberAdded"
    return activity


async def post_signed(
    session: aiohttp.ClientSession,
    url: str,
    activity: dict[str, Any],
    identity: FakeBotIdentity,
    *,
    authorization: str | None = None,
) -> tuple[int, Any]:
    """POST an activity to the bot's messaging endpoint as Teams does, signed for the app it is
    addressed to (or with `authorization` as given, to test refusals). Returns the status and
    the JSON body (or the text when the bot answered something else)."""
    header = authorization
    if header is None:
        app_id = activity["recipient"]["id"].removeprefix("28:")
        header = identity.authorization(app_id, activity["serviceUrl"])
    async with session.post(url, json=activity, headers={"Authorization": header}) as response:
        text = await response.text()
        try:
            body: Any = await response.json(content_type=None) if text else None
        except ValueError:
            body = text
        return response.status, body
