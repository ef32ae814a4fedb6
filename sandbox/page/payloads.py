"""What Slack sends to an app's Request URL when a person does something in its client, built
from the workspace: slash commands, block actions (in a message, a modal or the App Home), view
submissions and closes, global and message shortcuts, external-select suggestions, and events
(App Home opened, a Slack Connect invitation accepted).

In a Slack Connect channel `team` is the installing workspace (MHCLG's) while `user.team_id` is
the person's own, as Slack sends it."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from sandbox.slack.workspace import APP_ID, BOT_USER, TEAM_ID, Channel, Invite, Person, Workspace

Payload = dict[str, Any]
_TEAM = {"id": TEAM_ID, "domain": "mhclg"}
_LEGACY_TOKEN = "sandbox-verification-token"  # noqa: S105 - deprecated by Slack, still sent; Bolt ignores it


def _user(person: Person) -> dict[str, str]:
    handle = person.name.split(" (")[0].lower().replace(" ", ".")
    return {"id": person.id, "username": handle, "name": handle, "team_id": person.team_id}


def _base(kind: str, person: Person, ws: Workspace) -> Payload:
    return {
        "type": kind,
        "user": _user(person),
        "api_app_id": APP_ID,
        "token": _LEGACY_TOKEN,
        "team": _TEAM,
        "trigger_id": ws.new_trigger(person.id),
        "is_enterprise_install": False,
        "enterprise": None,
    }


def form(payload: Payload) -> str:
    return urlencode({"payload": json.dumps(payload)})


def slash_command(ws: Workspace, person: Person, channel: Channel, text: str, hook: str) -> str:
    command, _, rest = text.strip().partition(" ")
    return urlencode(
        {
            "token": _LEGACY_TOKEN,
            "team_id": TEAM_ID,
            "team_domain": "mhclg",
            "channel_id": channel.id,
            "channel_name": "directmessage" if channel.is_im else channel.name,
            "user_id": person.id,
            "user_name": _user(person)["name"],
            "command": command,
            "text": rest.strip(),
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": hook,
            "trigger_id": ws.new_trigger(person.id),
        }
    )


def message_action(
    ws: Workspace, person: Person, channel: Channel, ts: str, action: Payload, hook: str
) -> str:
    message = ws.message(channel.id, ts)
    payload = _base("block_actions", person, ws) | {
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel.id,
            "is_ephemeral": bool(message and message.ephemeral_to),
        },
        "channel": {"id": channel.id, "name": channel.name},
        "message": message.json() if message else {},
        "state": {"values": {}},
        "response_url": hook,
        "actions": [action | {"action_ts": f"{time.time():.6f}"}],
    }
    return form(payload)


def view_action(
    ws: Workspace, person: Person, view: Payload, values: Payload, action: Payload
) -> str:
    shown = view | {"state": {"values": values}}
    payload = _base("block_actions", person, ws) | {
        "container": {"type": "view", "view_id": view["id"]},
        "view": shown,
        "actions": [action | {"action_ts": f"{time.time():.6f}"}],
    }
    return form(payload)


def view_submission(ws: Workspace, person: Person, view: Payload, values: Payload) -> str:
    payload = _base("view_submission", person, ws) | {
        "view": view | {"state": {"values": values}},
        "response_urls": [],
    }
    return form(payload)


def view_closed(ws: Workspace, person: Person, view: Payload) -> str:
    payload = _base("view_closed", person, ws) | {"view": view, "is_cleared": False}
    payload.pop("trigger_id")
    return form(payload)


def global_shortcut(ws: Workspace, person: Person, callback_id: str) -> str:
    payload = _base("shortcut", person, ws) | {
        "callback_id": callback_id,
        "action_ts": f"{time.time():.6f}",
    }
    return form(payload)


def message_shortcut(
    ws: Workspace, person: Person, channel: Channel, ts: str, callback_id: str, hook: str
) -> str:
    message = ws.message(channel.id, ts)
    payload = _base("message_action", person, ws) | {
        "callback_id": callback_id,
        "action_ts": f"{time.time():.6f}",
        "message_ts": ts,
        "channel": {"id": channel.id, "name": channel.name},
        "message": message.json() if message else {"ts": ts},
        "response_url": hook,
    }
    return form(payload)


def suggestion(
    ws: Workspace, person: Person, view: Payload, block_id: str, action_id: str, value: str
) -> str:
    payload = _base("block_suggestion", person, ws) | {
        "block_id": block_id,
        "action_id": action_id,
        "value": value,
        "container": {"type": "view", "view_id": view["id"]},
        "view": view,
    }
    payload.pop("trigger_id")
    return form(payload)


def _event(event: Payload) -> str:
    return json.dumps(
        {
            "token": _LEGACY_TOKEN,
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event | {"event_ts": f"{time.time():.6f}"},
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def home_opened(ws: Workspace, person: Person) -> str:
    event: Payload = {
        "type": "app_home_opened",
        "user": person.id,
        "channel": ws.dm(person.id).id,
        "tab": "home",
    }
    if person.id in ws.homes:
        event["view"] = ws.views[ws.homes[person.id]]
    return _event(event)


def invite_accepted(ws: Workspace, person: Person, invite: Invite) -> str:
    channel = ws.channels[invite.channel]
    teams = sorted({TEAM_ID, *channel.shared_with, person.team_id})
    return _event(
        {
            "type": "shared_channel_invite_accepted",
            "approval_required": False,
            "invite": {
                "id": invite.id,
                "date_created": int(time.time()),
                "date_invalid": int(time.time()) + 14 * 86400,
                "inviting_team": {"id": TEAM_ID, "name": "MHCLG"},
                "inviting_user": {"id": BOT_USER, "team_id": TEAM_ID, "name": "cir_bot"},
                "recipient_email": invite.email,
                "recipient_user_id": invite.user_id or person.id,
            },
            "channel": {
                "id": channel.id,
                "is_private": channel.is_private,
                "is_im": False,
                "name": channel.name,
            },
            "teams_in_channel": [{"id": t, "name": ws.teams[t].name} for t in teams],
            "accepting_user": {
                "id": person.id,
                "team_id": person.team_id,
                "name": _user(person)["name"],
                "updated": int(time.time()),
            },
        }
    )
