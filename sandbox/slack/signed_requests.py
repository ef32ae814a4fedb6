"""Requests exactly as Slack sends them to an app's Request URL, signed with the v0 scheme, so
tests drive the real Bolt verification and parsing rather than calling listeners directly."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from sandbox.slack.api import TEAM_ID

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
USER = "U0ASSESSOR1"
CHANNEL = "C0TRIAGE"
API_APP_ID = "A0CIR"


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": str(signature)}


def _trigger() -> str:
    return f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"


def _user(user_id: str, team_id: str, user_team_id: str | None) -> dict[str, str]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": user_team_id or team_id}


def _interactive(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def slash_command(
    command: str = "/cir",
    text: str = "",
    user_id: str = USER,
    team_id: str = TEAM_ID,
    channel_id: str = CHANNEL,
    trigger_id: str | None = None,
    response_url: str = "https://hooks.slack.com/commands/T0MHCLG/1/abc",
    user_name: str = "assessor.one",
) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "team_domain": "mhclg",
            "channel_id": channel_id,
            "channel_name": "cir-triage",
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or _trigger(),
        }
    )


def block_actions(
    action_id: str,
    value: str = "",
    user_id: str = USER,
    team_id: str = TEAM_ID,
    user_team_id: str | None = None,
    channel_id: str | None = None,
    message_ts: str | None = None,
    trigger_id: str | None = None,
    view: dict[str, Any] | None = None,
    block_id: str = "b",
    selected_option: dict[str, Any] | None = None,
) -> str:
    """A button press or menu choice; in a Slack Connect channel `team` is the installing
    workspace while `user.team_id` is the presser's own, which `user_team_id` sets."""
    action: dict[str, Any] = {
        "type": "static_select" if selected_option else "button",
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if selected_option:
        action["selected_option"] = selected_option
    else:
        action["value"] = value
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id, user_team_id),
        "api_app_id": API_APP_ID,
        "token": "legacy-verification-token",
        "team": {"id": team_id, "domain": "mhclg"},
        "trigger_id": trigger_id or _trigger(),
        "actions": [action],
        "is_enterprise_install": False,
    }
    if channel_id:
        payload["channel"] = {"id": channel_id, "name": "incident"}
        payload["container"] = {"type": "message", "channel_id": channel_id}
        payload["response_url"] = f"https://hooks.slack.com/actions/{team_id}/1/abc"
    if message_ts:
        payload["container"] = {**payload.get("container", {}), "message_ts": message_ts}
        payload["message"] = {"type": "message", "ts": message_ts, "text": "", "blocks": []}
    if view is not None:
        payload["view"] = view
        payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
    return _interactive(payload)


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    user_id: str = USER,
    team_id: str = TEAM_ID,
    private_metadata: str = "",
    view_id: str = "V1",
    hash: str = "h",
) -> str:
    view = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "hash": hash,
        "blocks": [],
        "state": {"values": values},
        "root_view_id": view_id,
        "app_id": API_APP_ID,
        "bot_id": "BBOT",
    }
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "mhclg"},
        "user": _user(user_id, team_id, None),
        "api_app_id": API_APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": _trigger(),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
    }
    return _interactive(payload)


def shortcut(
    callback_id: str, user_id: str = USER, team_id: str = TEAM_ID, trigger_id: str | None = None
) -> str:
    return _interactive(
        {
            "type": "shortcut",
            "callback_id": callback_id,
            "trigger_id": trigger_id or _trigger(),
            "action_ts": f"{time.time():.6f}",
            "user": _user(user_id, team_id, None),
            "team": {"id": team_id, "domain": "mhclg"},
            "token": "legacy-verification-token",
            "is_enterprise_install": False,
        }
    )


def message_action(
    callback_id: str,
    message_text: str,
    channel_id: str,
    message_ts: str,
    user_id: str = USER,
    team_id: str = TEAM_ID,
) -> str:
    return _interactive(
        {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": _trigger(),
            "action_ts": f"{time.time():.6f}",
            "message_ts": message_ts,
            "user": _user(user_id, team_id, None),
            "team": {"id": team_id, "domain": "mhclg"},
            "channel": {"id": channel_id, "name": "incident"},
            "message": {"type": "message", "text": message_text, "ts": message_ts},
            "response_url": f"https://hooks.slack.com/app/{team_id}/1/abc",
            "token": "legacy-verification-token",
            "is_enterprise_install": False,
        }
    )


def event_callback(
    event: dict[str, Any], team_id: str = TEAM_ID, event_id: str | None = None
) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "api_app_id": API_APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": team_id,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


async def post(
    session: aiohttp.ClientSession,
    url: str,
    body: str,
    secret: str,
    *,
    content_type: str | None = None,
    timestamp: int | None = None,
    retry_num: int | None = None,
    tamper: bool = False,
) -> tuple[int, str]:
    """Send as Slack would. `tamper` signs one body and sends another, as an attacker might;
    without `content_type`, a JSON body goes as an event and anything else as a form."""
    headers = sign(secret, body + " " if tamper else body, timestamp)
    headers["Content-Type"] = content_type or (JSON if body.startswith("{") else FORM)
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    async with session.post(url, data=body.encode(), headers=headers) as response:
        return response.status, await response.text()
