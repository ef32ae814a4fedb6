"""What one person's Slack shows them, as JSON for the page: the channels they are in (or may
read), the chosen channel's messages with threads, pins and files, their open modal with its
inline errors, their App Home, their pending Slack Connect invitations. Nothing from a channel
they cannot see is ever in it; the page renders only this."""

from __future__ import annotations

from typing import Any

from sandbox.page.client import errors_key
from sandbox.slack.workspace import BOT_USER, Channel, Message, Person, Workspace

Answer = dict[str, Any]
NAMES = {BOT_USER: "CIR bot", "USLACKBOT": "Slackbot"}


def _name(ws: Workspace, user_id: str) -> str:
    person = ws.people.get(user_id)
    return person.name if person else NAMES.get(user_id, user_id)


def _channel_name(ws: Workspace, channel: Channel, viewer: str) -> str:
    if channel.is_im:
        return "CIR bot"
    return channel.name


def _message(ws: Workspace, message: Message, pinned: bool) -> Answer:
    files = [ws.files[f] for f in message.files if f in ws.files]
    return {
        "ts": message.ts,
        "user": message.user,
        "name": _name(ws, message.user),
        "bot": message.user == BOT_USER,
        "text": message.text,
        "blocks": message.blocks,
        "thread_ts": message.thread_ts,
        "ephemeral": bool(message.ephemeral_to),
        "edited": message.edited,
        "pinned": pinned,
        "files": [
            {"id": f.id, "name": f.filename, "title": f.title, "size": len(f.data)} for f in files
        ],
    }


def _channel(ws: Workspace, channel: Channel, viewer: str) -> Answer:
    shown = [m for m in channel.messages if not m.ephemeral_to or m.ephemeral_to == viewer]
    teams = sorted(ws.teams[t].name for t in channel.shared_with if t in ws.teams)
    return {
        "id": channel.id,
        "name": _channel_name(ws, channel, viewer),
        "topic": channel.topic,
        "purpose": channel.purpose,
        "private": channel.is_private,
        "im": channel.is_im,
        "shared_with": teams,
        "member": viewer in channel.members,
        "members": sorted(_name(ws, m) for m in channel.members),
        "messages": [_message(ws, m, m.ts in channel.pins) for m in shown],
    }


def _view(ws: Workspace, view_id: str, errors: dict[str, dict[str, str]]) -> Answer | None:
    view = ws.views.get(view_id)
    if view is None:
        return None
    return {**view, "errors": errors.get(errors_key(view), {})}


def person_json(ws: Workspace, person: Person) -> Answer:
    team = ws.teams.get(person.team_id)
    return {
        "id": person.id,
        "name": person.name,
        "title": person.title,
        "team": team.name if team else person.team_id,
        "email": person.email,
    }


def screen(
    ws: Workspace, person: Person, channel_id: str, errors: dict[str, dict[str, str]]
) -> Answer:
    visible = ws.visible_channels(person.id)
    chosen = next((c for c in visible if c.id == channel_id), None)
    stack = ws.modals.get(person.id, [])
    home = ws.homes.get(person.id, "")
    return {
        "version": ws.version,
        "me": person_json(ws, person),
        "channels": [
            {
                "id": c.id,
                "name": _channel_name(ws, c, person.id),
                "private": c.is_private,
                "im": c.is_im,
                "shared": bool(c.shared_with),
                "member": person.id in c.members,
                "count": sum(1 for m in c.messages if not m.ephemeral_to),
            }
            for c in sorted(visible, key=lambda c: (c.is_im, c.name))
        ],
        "channel": _channel(ws, chosen, person.id) if chosen else None,
        "modal": _view(ws, stack[-1], errors) if stack else None,
        "depth": len(stack),
        "home": _view(ws, home, errors) if home else None,
        "invites": [
            {
                "id": i.id,
                "channel": ws.channels[i.channel].name,
                "to": i.email or _name(ws, i.user_id),
            }
            for i in ws.invites_for(person.id)
        ],
    }
