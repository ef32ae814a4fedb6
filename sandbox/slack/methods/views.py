"""views.*: modals (opened from a trigger, pushed onto a stack of at most three, updated by id
with an optional hash) and each person's App Home (views.publish)."""

from __future__ import annotations

import time

from sandbox.slack.answers import Answer, error
from sandbox.slack.workspace import APP_ID, BOT_ID, MODAL_STACK, TEAM_ID, Workspace


def _stored(ws: Workspace, submitted: Answer, view_id: str, root: str, previous: str) -> Answer:
    view = {
        "id": view_id, "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": BOT_ID,
        "private_metadata": "", "callback_id": "", "external_id": "", "state": {"values": {}},
        "root_view_id": root or view_id, "previous_view_id": previous or None, **submitted,
        "hash": f"{int(time.time())}.{ws.next_id('h')}",
    }  # fmt: skip
    ws.views[view_id] = view
    ws.touch()
    return view


def _submitted(args: Answer) -> Answer | None:
    view = args.get("view")
    return view if isinstance(view, dict) else None


def open_view(ws: Workspace, args: Answer) -> Answer:
    """A new modal for the person whose interaction gave the trigger id."""
    if (view := _submitted(args)) is None:
        return error("invalid_arguments")
    trigger = str(args.get("trigger_id", ""))
    if problem := ws.trigger_problem(trigger):
        return error(problem)
    stored = _stored(ws, view, ws.next_id("V"), "", "")
    if user := ws.trigger_user(trigger):
        ws.modals[user] = [stored["id"]]
        ws.touch()
    return {"view": stored}


def push(ws: Workspace, args: Answer) -> Answer:
    if (view := _submitted(args)) is None:
        return error("invalid_arguments")
    trigger = str(args.get("trigger_id", ""))
    if problem := ws.trigger_problem(trigger):
        return error(problem)
    user = ws.trigger_user(trigger)
    stack = ws.modals.get(user, []) if user else []
    if user and not stack:
        return error("not_found")  # nothing open to push onto
    if len(stack) >= MODAL_STACK:
        return error("push_limit_reached")
    root = stack[0] if stack else ""
    stored = _stored(ws, view, ws.next_id("V"), root, stack[-1] if stack else "")
    if user:
        stack.append(stored["id"])
        ws.touch()
    return {"view": stored}


def update(ws: Workspace, args: Answer) -> Answer:
    if (view := _submitted(args)) is None:
        return error("invalid_arguments")
    view_id = str(args.get("view_id") or "")
    external = str(args.get("external_id") or "")
    if not view_id and external:
        view_id = next((v["id"] for v in ws.views.values() if v["external_id"] == external), "")
    old = ws.views.get(view_id) if view_id else None
    if old is None:
        return error("not_found")
    if args.get("hash") and args["hash"] != old["hash"]:
        return error("hash_conflict")
    return {"view": _stored(ws, view, view_id, old["root_view_id"], old["previous_view_id"])}


def publish(ws: Workspace, args: Answer) -> Answer:
    if (view := _submitted(args)) is None:
        return error("invalid_arguments")
    user = str(args.get("user_id", ""))
    if ws.unknown_user(user):
        return error("user_not_found")
    old = ws.views.get(ws.homes.get(user, ""))
    if old is not None and args.get("hash") and args["hash"] != old["hash"]:
        return error("hash_conflict")
    stored = _stored(ws, view, old["id"] if old else ws.next_id("V"), "", "")
    if user:
        ws.homes[user] = stored["id"]
    return {"view": stored}
