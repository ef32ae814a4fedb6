"""Where the bot may write, as Slack decides it."""

from __future__ import annotations

from sandbox.slack.answers import Answer, error
from sandbox.slack.workspace import BOT_USER, Channel, Workspace


def not_postable(ws: Workspace, channel_id: str) -> Answer | None:
    """Why the bot may not write to this channel, as Slack answers it; None if it may.
    A user id (`U…`, `W…`) or a DM (`D…`) is the bot's own conversation with that person.
    A private channel the bot is not in is invisible to it (`channel_not_found`); a public
    one it has not joined answers `not_in_channel`."""
    if channel_id[:1] in ("U", "W", "D"):
        user = channel_id if channel_id[:1] != "D" else "U" + channel_id[1:]
        return error("channel_not_found") if ws.unknown_user(user) else None
    channel = ws.channels.get(channel_id)
    if channel is None or (channel.is_private and BOT_USER not in channel.members):
        return error("channel_not_found")
    if BOT_USER not in channel.members:
        return error("not_in_channel")
    return None


def writable(ws: Workspace, channel_id: str) -> Channel | Answer:
    """The channel the bot may change, or Slack's refusal."""
    if refused := not_postable(ws, channel_id):
        return refused
    channel = ws.conversation(channel_id)
    return channel if channel is not None else error("channel_not_found")
