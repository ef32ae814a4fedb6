"""POST /v3/conversations as Teams checks it: a personal chat between the calling bot and one
person, named by the `29:` id or the Entra object id, in the tenant given in
channelData.tenant.id (a top-level tenantId, if sent, must agree). A group chat or a channel
cannot be created this way (Teams answers BadSyntax, as for any parameters it cannot read)."""

from __future__ import annotations

from typing import Any

from sandbox.teams.directory import Directory, Person
from sandbox.teams.identity import App
from sandbox.teams.rules import Refusal

_BAD = ("BadSyntax", "Incorrect conversation creation parameters")


def _tenant(body: dict[str, Any]) -> str:
    channel_data = body.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    if not isinstance(tenant_id, str) or not tenant_id:
        raise Refusal(400, "BadArgument", "A tenant id is required in channelData.tenant.")
    if body.get("tenantId") not in (None, tenant_id):
        raise Refusal(400, *_BAD)
    return tenant_id


def _member_id(body: dict[str, Any], app: App) -> str:
    bot, members = body.get("bot"), body.get("members")
    if not isinstance(bot, dict) or not isinstance(bot.get("id"), str):
        raise Refusal(400, *_BAD)
    if bot["id"] != app.bot_id:
        raise Refusal(400, "BadArgument", "Bot id does not match the caller's app id.")
    if body.get("isGroup") or not isinstance(members, list) or len(members) != 1:
        raise Refusal(400, *_BAD)
    member = members[0]
    if not isinstance(member, dict) or not isinstance(member.get("id"), str):
        raise Refusal(400, *_BAD)
    return str(member["id"])


def personal_chat_member(directory: Directory, app: App, body: Any) -> Person:
    """The person the bot asks to chat with; raises Teams' refusal otherwise."""
    if not isinstance(body, dict):
        raise Refusal(400, *_BAD)
    member_id = _member_id(body, app)
    person = directory.find_person(_tenant(body), member_id)
    if person is None:
        raise Refusal(400, "BadArgument", "Invalid user identity in provided tenant")
    if not person.app_installed:
        raise Refusal(403, "Forbidden", "The bot is not installed in the user's personal scope.")
    return person
