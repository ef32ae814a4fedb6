"""The shape every signed payload must have before a listener reads it.

Listeners read `body["user"]["id"]`, `body["trigger_id"]`, `action["value"]`, `view["state"]`
and our own `private_metadata` directly, as Slack always sends them. A payload that lacks one
(a bug at Slack, a replayed or hand-made request signed with a leaked secret) used to raise a
KeyError deep in a listener and come back as a 500. Checking the shape once, here, by payload
type, names what was wrong and keeps the listeners short; what cannot be known here (a field
inside a form's state) is checked by `parse` when it is read.
"""

from __future__ import annotations

import json
from typing import Any

from handlers.slack.parse import MalformedPayload

_Obj = dict[str, Any]


def _need(obj: _Obj, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, str) and kind is str and not value):
        raise MalformedPayload(f"{where}{key} missing or not {_name(kind)}")
    return value


def _maybe(obj: _Obj, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    if value is not None and not isinstance(value, kind):
        raise MalformedPayload(f"{where}{key} is not {_name(kind)}")
    return value


def _name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _user(payload: _Obj) -> None:
    user = _need(payload, "user", dict, "")
    _need(user, "id", str, "user.")
    _maybe(user, "team_id", str, "user.")
    for key in ("team", "channel", "container", "message", "enterprise"):
        found = _maybe(payload, key, dict, "")
        if found is not None and key in {"team", "channel"}:
            _maybe(found, "id", str, f"{key}.")


def _metadata(view: _Obj) -> None:
    """Our forms' private_metadata is empty or a JSON object we wrote; anything else is not
    one of our forms."""
    meta = _maybe(view, "private_metadata", str, "view.")
    if not meta:
        return
    try:
        decoded = json.loads(meta)
    except (ValueError, RecursionError):
        decoded = None
    if not isinstance(decoded, dict):
        raise MalformedPayload("view.private_metadata is not ours (not a JSON object)")
    if not all(isinstance(v, str) for v in decoded.values()):  # ours holds ids and names only
        raise MalformedPayload("view.private_metadata is not ours (a value is not text)")


def _state(view: _Obj) -> None:
    state = _need(view, "state", dict, "view.")
    values = _need(state, "values", dict, "view.state.")
    for block_id, block in values.items():
        if not isinstance(block, dict) or not all(isinstance(e, dict) for e in block.values()):
            raise MalformedPayload(f"view.state.values.{block_id[:40]} is not an object of objects")


def _view(payload: _Obj, *, submitted: bool) -> None:
    view = _need(payload, "view", dict, "")
    _need(view, "callback_id", str, "view.")
    _metadata(view)
    if submitted:
        _state(view)


def _actions(payload: _Obj) -> None:
    actions = _need(payload, "actions", list, "")
    if not actions:
        raise MalformedPayload("actions is empty")
    for i, action in enumerate(actions):
        where = f"actions[{i}]."
        if not isinstance(action, dict):
            raise MalformedPayload(f"actions[{i}] is not an object")
        _need(action, "action_id", str, where)
        _maybe(action, "value", str, where)
        option = _maybe(action, "selected_option", dict, where)
        if option is not None:
            _need(option, "value", str, f"{where}selected_option.")
    view = _maybe(payload, "view", dict, "")
    if view is not None:
        _metadata(view)


def _interaction(payload: _Obj) -> None:
    kind = payload.get("type")
    _user(payload)
    if kind == "block_actions":
        _need(payload, "trigger_id", str, "")
        _actions(payload)
    elif kind == "view_submission":
        _need(payload, "trigger_id", str, "")
        _view(payload, submitted=True)
    elif kind == "view_closed":
        _view(payload, submitted=False)
    elif kind in {"shortcut", "message_action"}:
        _need(payload, "callback_id", str, "")
        _need(payload, "trigger_id", str, "")
    elif kind == "block_suggestion":
        _need(payload, "action_id", str, "")
        _need(payload, "block_id", str, "")
        _maybe(payload, "value", str, "")


def _slash_command(payload: _Obj) -> None:
    for key in ("command", "user_id", "team_id", "trigger_id"):
        _need(payload, key, str, "")


def _event(payload: _Obj) -> None:
    _need(payload, "event_id", str, "")
    _maybe(payload, "team_id", str, "")
    event = _need(payload, "event", dict, "")
    kind = _need(event, "type", str, "event.")
    for key in ("channel", "user", "team", "tab"):
        _maybe(event, key, (str, dict), "event.")
    # what the events we subscribe to carry, read after the ack where an error is only a log
    if kind == "app_home_opened":
        _need(event, "user", str, "event.")
    elif kind.startswith("shared_channel_invite_"):
        invite = _need(event, "invite", dict, "event.")
        _need(invite, "id", str, "event.invite.")


def check_shape(payload: _Obj) -> None:
    """Raise MalformedPayload naming the first thing a listener would trip on."""
    # Bolt itself reads these of any payload that has them (view.callback_id, event.type, …)
    for key in ("view", "event", "message", "container"):
        if key in payload:
            _need(payload, key, dict, "")
    authorizations = _maybe(payload, "authorizations", list, "")
    if authorizations and not all(isinstance(a, dict) for a in authorizations):
        raise MalformedPayload("authorizations is not a list of objects")
    if "command" in payload:
        _slash_command(payload)
        return
    kind = payload.get("type")
    if kind == "event_callback":
        _event(payload)
    elif kind == "url_verification":
        _need(payload, "challenge", str, "")
    elif isinstance(kind, str):
        _interaction(payload)
    else:
        raise MalformedPayload("no payload type")
