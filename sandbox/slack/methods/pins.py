"""pins.add: the incident card pinned in its channel."""

from __future__ import annotations

from sandbox.slack.answers import Answer, error
from sandbox.slack.methods.access import not_postable
from sandbox.slack.workspace import Workspace


def add(ws: Workspace, args: Answer) -> Answer:
    channel_id, ts = str(args.get("channel", "")), str(args.get("timestamp", ""))
    if refused := not_postable(ws, channel_id):
        return refused
    channel = ws.conversation(channel_id)
    if channel is None or ws.message(channel_id, ts) is None:
        return error("message_not_found")
    if ts in channel.pins:
        return error("already_pinned")
    channel.pins.add(ts)
    ws.touch()
    return {}
