"""conversations.*: private incident channels, their topic and purpose, members, and Slack
Connect invitations to other organisations."""

from __future__ import annotations

import re

from sandbox.slack.answers import Answer, error, truthy
from sandbox.slack.methods.access import writable
from sandbox.slack.workspace import Channel, Invite, Workspace

_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")


def create(ws: Workspace, args: Answer) -> Answer:
    name = str(args.get("name", ""))
    if not name:
        return error("invalid_name_required")
    if len(name) > 80:
        return error("invalid_name_maxlength")
    if not _CHANNEL_NAME.match(name):
        return error("invalid_name_specials")
    if not any(c.isalnum() for c in name):
        return error("invalid_name_punctuation")
    if any(ch.name == name for ch in ws.channels.values()):
        return error("name_taken")
    channel = ws.add_channel(Channel(ws.next_id("C"), name, truthy(args.get("is_private"))))
    return {"channel": channel.json()}


def set_topic(ws: Workspace, args: Answer) -> Answer:
    channel = writable(ws, str(args.get("channel", "")))
    if not isinstance(channel, Channel):
        return channel
    channel.topic = str(args.get("topic", ""))
    ws.touch()
    return {"channel": channel.json()}


def set_purpose(ws: Workspace, args: Answer) -> Answer:
    channel = writable(ws, str(args.get("channel", "")))
    if not isinstance(channel, Channel):
        return channel
    channel.purpose = str(args.get("purpose", ""))
    ws.touch()
    return {"channel": channel.json()}


def invite(ws: Workspace, args: Answer) -> Answer:
    channel = writable(ws, str(args.get("channel", "")))
    if not isinstance(channel, Channel):
        return channel
    users = [u for u in str(args.get("users", "")).split(",") if u]
    if not users:
        return error("no_user")
    if unknown := [u for u in users if ws.unknown_user(u)]:
        errors = [{"user": u, "ok": False, "error": "user_not_found"} for u in unknown]
        return error("user_not_found", errors=errors)
    present = [u for u in users if u in channel.members]
    if present and not truthy(args.get("force")):
        errors = [{"user": u, "ok": False, "error": "already_in_channel"} for u in present]
        return error("already_in_channel", errors=errors)
    channel.members.extend(u for u in users if u not in channel.members)
    ws.touch()
    return {"channel": channel.json()}


def invite_shared(ws: Workspace, args: Answer) -> Answer:
    """One invitation, by email or user id; the invitee accepts it (the sandbox's button), and
    Slack then tells the app (`shared_channel_invite_accepted`)."""
    channel = writable(ws, str(args.get("channel", "")))
    if not isinstance(channel, Channel):
        return channel
    emails = [t for t in str(args.get("emails") or "").split(",") if t]
    user_ids = [t for t in str(args.get("user_ids") or "").split(",") if t]
    if len(emails) + len(user_ids) != 1:
        return error("invalid_arguments")
    invitation = Invite(ws.next_id("I"), channel.id, *(emails or [""]), *(user_ids or [""]))
    ws.invites[invitation.id] = invitation
    ws.touch()
    return {"invite_id": invitation.id, "is_legacy_shared_channel": False}


def info(ws: Workspace, args: Answer) -> Answer:
    channel = ws.channels.get(str(args.get("channel", "")))
    if channel is None:
        return error("channel_not_found")
    return {"channel": channel.json()}


def members(ws: Workspace, args: Answer) -> Answer:
    channel = ws.channels.get(str(args.get("channel", "")))
    if channel is None:
        return error("channel_not_found")
    return {"members": list(channel.members), "response_metadata": {"next_cursor": ""}}
