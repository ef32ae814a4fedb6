"""chat.*: messages (in channels, threads and DMs), their updates, ephemeral lines and links."""

from __future__ import annotations

from typing import Any

from sandbox.slack.answers import Answer, error
from sandbox.slack.methods.access import not_postable
from sandbox.slack.workspace import BOT_USER, TEAM_ID, Message, Workspace


def _message(args: Answer, channel: str, ts: str, **extra: Any) -> Message:
    blocks, attachments = args.get("blocks"), args.get("attachments")
    return Message(
        ts=ts,
        channel=channel,
        user=BOT_USER,
        text=str(args.get("text") or ""),
        blocks=blocks if isinstance(blocks, list) else [],
        attachments=attachments if isinstance(attachments, list) else [],
        thread_ts=str(args.get("thread_ts") or ""),
        metadata=args.get("metadata"),
        **extra,
    )


def _json(message: Message) -> Answer:
    return message.json() | {"team": TEAM_ID}


def post_message(ws: Workspace, args: Answer) -> Answer:
    channel = str(args.get("channel", ""))
    if refused := not_postable(ws, channel):
        return refused
    thread = str(args.get("thread_ts") or "")
    if thread and ws.message(channel, thread) is None and ws.complete:
        return error("thread_not_found")
    message = ws.post(_message(args, channel, ws.next_ts()))
    ws.delivered.append(args)
    return {"channel": channel, "ts": message.ts, "message": _json(message)}


def post_ephemeral(ws: Workspace, args: Answer) -> Answer:
    channel, user = str(args.get("channel", "")), str(args.get("user", ""))
    if refused := not_postable(ws, channel):
        return refused
    if ws.unknown_user(user):
        return error("user_not_found")
    found = ws.conversation(channel)
    if found is not None and ws.complete and user not in found.members:
        return error("user_not_in_channel")
    message = _message(args, channel, ws.next_ts(), ephemeral_to=user)
    if found is not None:
        ws.post(message)
    return {"message_ts": message.ts}


def update(ws: Workspace, args: Answer) -> Answer:
    channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
    if refused := not_postable(ws, channel):
        return refused
    old = ws.message(channel, ts)
    if old is None or old.user != BOT_USER or old.ephemeral_to:
        return error("message_not_found" if old is None else "cant_update_message")
    new = _message(args, channel, ts, edited=True)
    old.text, old.blocks, old.edited = new.text, new.blocks, True
    if "attachments" in args:
        old.attachments = new.attachments
    ws.touch()
    answer = {"channel": channel, "ts": ts, "text": old.text}
    return answer | {"message": _json(old)}


def permalink(ws: Workspace, args: Answer) -> Answer:
    channel, ts = str(args.get("channel", "")), str(args.get("message_ts", ""))
    link = f"https://mhclg.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return {"channel": channel, "permalink": link}
