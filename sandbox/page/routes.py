"""The sandbox page and the JSON it talks to, under /sandbox on the bot's own port.

Anyone who reaches these routes can act as anyone, so the server listens on localhost unless
told otherwise, every POST carries the page's per-run token (a header no other site's page can
send without our consent), and a request naming another host is refused (DNS rebinding)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.notify.api import FakeNotifyApi
from sandbox.page.client import Refused, SlackSide
from sandbox.page.screen import person_json, screen
from sandbox.slack.workspace import Person, Workspace

STATIC = Path(__file__).with_name("static")
STATIC_FILES = {
    "text.js": "text/javascript",
    "sandbox.js": "text/javascript",
    "exercise.js": "text/javascript",
    "blockkit.js": "text/javascript",
    "sandbox.css": "text/css",
    "teams.js": "text/javascript",  # the Teams page (sandbox.teams.page)
    "teams.css": "text/css",
    "adaptivecards.min.js": "text/javascript",  # Microsoft's Adaptive Cards renderer, vendored
}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
POLL_SECONDS = 20.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Desk:
    """Everything the page's routes need."""

    ws: Workspace
    slack: SlackSide
    notify: FakeNotifyApi
    roles: list[tuple[str, str]]  # (user id, role) offered first in the person switcher
    shortcuts: list[dict[str, str]]  # from the app's manifest
    local_only: bool = True
    banner: Callable[[], str] = lambda: ""
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))


def _digits(phone: str) -> str:
    """A UK number's last ten digits, however it was written (07700 900100, +447700900100)."""
    digits = "".join(c for c in phone if c.isdigit())
    return digits[-10:] if len(digits) >= 10 else ""


def _values(got: dict[str, Any]) -> dict[str, Any]:
    found = got.get("values")
    return found if isinstance(found, dict) else {}


def _refuse(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def guard(desk: Desk) -> Callable[[Handler], Handler]:
    """The check every sandbox route passes (the page's and the exercise's): a request naming
    another host is refused, and so is a POST without the page's token."""

    def guarded(handler: Handler) -> Handler:
        async def checked(request: web.Request) -> web.StreamResponse:
            host = (
                (request.host or "").rsplit(":", 1)[0]
                if "]" not in request.host
                else (request.host.split("]")[0] + "]")
            )
            if desk.local_only and host not in LOCAL_HOSTS:
                return _refuse(403, "The sandbox answers on localhost only.")
            if request.method == "POST" and request.headers.get("X-Sandbox-Token") != desk.token:
                return _refuse(403, "Reload the sandbox page.")
            try:
                return await handler(request)
            except Refused as exc:
                return _refuse(409, str(exc))

        return checked

    return guarded


def mount(app: web.Application, desk: Desk) -> None:  # noqa: C901 (one closure per route over the desk; each is short)
    guarded = guard(desk)

    async def body(request: web.Request) -> dict[str, Any]:
        try:
            found = await request.json()
        except ValueError:
            raise Refused("Send JSON.") from None
        if not isinstance(found, dict):
            raise Refused("Send a JSON object.")
        return found

    def person(raw: Any) -> Person:
        found = desk.ws.people.get(str(raw or ""))
        if found is None:
            raise Refused("Pick a person first.")
        return found

    async def index(request: web.Request) -> web.Response:
        page = (STATIC / "index.html").read_text(encoding="utf-8")
        page = page.replace("{{TOKEN}}", desk.token)
        return web.Response(
            text=page,
            content_type="text/html",
            headers={"Content-Security-Policy": _CSP, "Cache-Control": "no-store"},
        )

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise web.HTTPNotFound()
        return web.Response(
            body=(STATIC / name).read_bytes(),
            content_type=STATIC_FILES[name],
            headers={"Cache-Control": "no-store"},
        )

    async def people(request: web.Request) -> web.Response:
        roles = [{"id": uid, "role": role} for uid, role in desk.roles]
        everyone = [person_json(desk.ws, p) for p in desk.ws.people.values()]
        return web.json_response(
            {
                "roles": roles,
                "people": everyone,
                "shortcuts": desk.shortcuts,
                "commands": list(desk.slack.commands),
                "banner": desk.banner(),
            }
        )

    async def show(request: web.Request) -> web.Response:
        viewer = person(request.query.get("as"))
        since = int(request.query.get("since", "-1") or -1)
        await desk.ws.changed(since, POLL_SECONDS)
        found = screen(desk.ws, viewer, request.query.get("channel", ""), desk.slack.errors)
        return web.json_response(found | {"banner": desk.banner()})

    async def say(request: web.Request) -> web.Response:
        got = await body(request)
        viewer = person(got.get("as"))
        channel = desk.slack.channel_for(viewer, str(got.get("channel", "")))
        await desk.slack.say(
            viewer, channel, str(got.get("text", ""))[:40_000], str(got.get("thread_ts") or "")
        )
        return web.json_response({"ok": True})

    async def act(request: web.Request) -> web.Response:
        got = await body(request)
        viewer = person(got.get("as"))
        action = got.get("action")
        if not isinstance(action, dict) or not action.get("action_id"):
            raise Refused("No action.")
        if got.get("view_id"):
            await desk.slack.act_in_view(viewer, str(got["view_id"]), _values(got), action)
        else:
            channel = desk.slack.channel_for(viewer, str(got.get("channel", "")))
            await desk.slack.act_in_message(viewer, channel, str(got.get("ts", "")), action)
        return web.json_response({"ok": True})

    async def submit(request: web.Request) -> web.Response:
        got = await body(request)
        errors = await desk.slack.submit(
            person(got.get("as")), str(got.get("view_id")), _values(got)
        )
        return web.json_response({"errors": errors})

    async def close(request: web.Request) -> web.Response:
        got = await body(request)
        await desk.slack.close_view(person(got.get("as")), str(got.get("view_id")))
        return web.json_response({"ok": True})

    async def suggest(request: web.Request) -> web.Response:
        got = await body(request)
        options = await desk.slack.suggest(
            person(got.get("as")),
            str(got.get("view_id")),
            str(got.get("block_id", "")),
            str(got.get("action_id", "")),
            str(got.get("value", ""))[:150],
        )
        return web.json_response({"options": options})

    async def shortcut(request: web.Request) -> web.Response:
        got = await body(request)
        viewer = person(got.get("as"))
        callback = str(got.get("callback_id", ""))
        known = {s["callback_id"]: s["type"] for s in desk.shortcuts}
        if known.get(callback) == "global":
            await desk.slack.shortcut(viewer, callback)
        elif known.get(callback) == "message":
            channel = desk.slack.channel_for(viewer, str(got.get("channel", "")))
            await desk.slack.message_shortcut(viewer, channel, str(got.get("ts", "")), callback)
        else:
            raise Refused("The app has no such shortcut.")
        return web.json_response({"ok": True})

    async def home(request: web.Request) -> web.Response:
        await desk.slack.open_home(person((await body(request)).get("as")))
        return web.json_response({"ok": True})

    async def accept(request: web.Request) -> web.Response:
        got = await body(request)
        await desk.slack.accept(person(got.get("as")), str(got.get("invite_id", "")))
        return web.json_response({"ok": True})

    async def outbox(request: web.Request) -> web.Response:
        """What Notify sent to this person's email and phone; everything with `all=1` (the
        sandbox's own view: anyone here can act as anyone, so it hides nothing real)."""
        viewer = person(request.query.get("as"))
        mine = {viewer.email.casefold(), _digits(viewer.phone)} - {""}
        everything = request.query.get("all") == "1"
        sent = [
            {
                "route": s["route"],
                "to": s["to"],
                "at": s["created_at"],
                "subject": s["content"].get("subject", ""),
                "body": s["content"].get("body", ""),
            }
            for s in reversed(desk.notify.sent)
            if everything or {str(s["to"]).casefold(), _digits(str(s["to"]))} & mine
        ]
        return web.json_response({"sent": sent})

    async def file(request: web.Request) -> web.Response:
        viewer = person(request.query.get("as"))
        found = desk.ws.files.get(request.match_info["file_id"])
        channel = desk.ws.conversation(found.channel) if found and found.channel else None
        if found is None or channel is None or not desk.ws.can_see(viewer.id, channel):
            raise web.HTTPNotFound()
        pdf = found.filename.endswith(".pdf")
        kind = "application/pdf" if pdf else "text/plain"
        safe = "".join(c for c in found.filename if c.isalnum() or c in "._-") or "file"
        return web.Response(
            body=found.data,
            content_type=kind,
            charset=None if pdf else "utf-8",
            headers={
                "Content-Disposition": f'inline; filename="{safe}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    async def hook(request: web.Request) -> web.Response:
        try:
            message = json.loads(await request.text())
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(message, dict) or not desk.slack.respond(
            request.match_info["key"], message
        ):
            return web.Response(status=404, text="no_such_response_url")
        return web.Response(text="ok")

    router = app.router
    router.add_get("/sandbox", guarded(index))
    router.add_get("/sandbox/", guarded(index))
    router.add_get("/sandbox/static/{name}", guarded(static))
    router.add_get("/sandbox/api/people", guarded(people))
    router.add_get("/sandbox/api/screen", guarded(show))
    router.add_get("/sandbox/api/outbox", guarded(outbox))
    router.add_get("/sandbox/files/{file_id}", guarded(file))
    for path, handler in (
        ("say", say),
        ("act", act),
        ("submit", submit),
        ("close", close),
        ("suggest", suggest),
        ("shortcut", shortcut),
        ("home", home),
        ("accept", accept),
    ):
        router.add_post(f"/sandbox/api/{path}", guarded(handler))
    router.add_post("/sandbox/hooks/{key}", hook)  # the bot posts here, as to hooks.slack.com


_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'"
)
