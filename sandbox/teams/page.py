"""The sandbox's Teams page and the JSON it talks to: a council or provider on Teams sees its
conversations (the team channel where its app is installed, its personal chats with the bot) as
the connector stand-in recorded them, cards drawn by Microsoft's own renderer in the browser.

What a person does goes to the bot exactly as Teams sends it: a card button (`Action.Execute`)
becomes an `adaptiveCard/action` invoke and a typed line a message, each signed with a Bot
Framework-style token by the identity stand-in and POSTed to the bot's /api/messages. The bot's
answer to an invoke (the card refreshed for that person, or a message) goes back to the page,
as Teams shows it to the person who clicked. The routes pass the sandbox page's guard: localhost
only, and every POST carries the page's token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from sandbox.page.client import Refused
from sandbox.page.routes import STATIC, Desk, guard
from sandbox.teams import activities
from sandbox.teams.cast import Seat, TeamsCast
from sandbox.teams.directory import Conversation
from sandbox.teams.rules import adaptive_cards
from sandbox.teams.standins import TeamsStandIns

POLL_SECONDS = 20.0
MAX_TEXT = 4_000
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'"
)  # Microsoft's renderer styles each element inline, so inline styles are allowed here


@dataclass
class TeamsDesk:
    teams: TeamsStandIns
    cast: TeamsCast
    bot_url: str = ""  # the bot's /api/messages, known once the server listens
    banner: Callable[[], str] = lambda: ""
    session: aiohttp.ClientSession | None = field(default=None, repr=False)

    @property
    def origin(self) -> activities.Origin:
        return activities.Origin(self.teams.service_url, self.teams.app)

    def http(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self.session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    def seat(self, raw: Any) -> Seat:
        found = self.cast.seat(str(raw or ""))
        if found is None:
            raise Refused("Pick a person first.")
        return found

    def visible(self, seat: Seat) -> list[Conversation]:
        """The conversations this person is in: their organisation's channel, their chats."""
        person = seat.person
        return [
            c
            for c in self.teams.connector.directory.conversations.values()
            if c.tenant_id == person.tenant_id and person.user_id in c.member_ids
        ]

    def conversation(self, seat: Seat, conversation_id: str) -> Conversation:
        found = next((c for c in self.visible(seat) if c.id == conversation_id), None)
        if found is None:
            raise Refused("That conversation is not yours.")
        return found

    async def send(self, activity: dict[str, Any]) -> tuple[int, Any]:
        if not self.bot_url:
            raise Refused("The bot is not listening yet.")
        return await activities.post_signed(
            self.http(), self.bot_url, activity, self.teams.identity
        )


def _name(conversation: Conversation, seat: Seat) -> str:
    if conversation.conversation_type == "personal":
        return "CIR bot (chat)"
    if conversation.conversation_type == "channel":
        return f"{seat.org_name} › {conversation.name}"
    return conversation.name or "Group chat"


def screen(desk: TeamsDesk, seat: Seat, wanted: str) -> dict[str, Any]:
    visible = desk.visible(seat)
    chosen = next((c for c in visible if c.id == wanted), visible[0] if visible else None)
    shown: dict[str, Any] | None = None
    if chosen is not None:
        shown = {
            "id": chosen.id,
            "name": _name(chosen, seat),
            "type": chosen.conversation_type,
            "activities": [
                {
                    "id": posted.id,
                    "at": posted.at,
                    "reply_to": posted.reply_to,
                    "version": len(posted.versions),
                    "edited": len(posted.versions) > 1,
                    "text": str(posted.activity.get("text") or ""),
                    "cards": adaptive_cards(posted.activity),
                }
                for posted in desk.teams.connector.posted(chosen.id)
            ],
        }
    return {
        "version": desk.teams.connector.version,
        "me": _seat_json(seat),
        "conversations": [
            {"id": c.id, "name": _name(c, seat), "type": c.conversation_type} for c in visible
        ],
        "conversation": shown,
        "banner": desk.banner(),
    }


def _seat_json(seat: Seat) -> dict[str, Any]:
    return {
        "id": seat.person.user_id,
        "aad": seat.person.aad_object_id,
        "name": seat.person.name,
        "role": seat.role,
        "org": seat.org_name,
        "org_kind": seat.org_kind,
    }


def mount_teams_page(app: web.Application, desk: Desk, teams: TeamsDesk) -> None:
    guarded = guard(desk)

    async def body(request: web.Request) -> dict[str, Any]:
        try:
            found = await request.json()
        except ValueError:
            raise Refused("Send JSON.") from None
        if not isinstance(found, dict):
            raise Refused("Send a JSON object.")
        return found

    async def index(request: web.Request) -> web.Response:
        page = (STATIC / "teams.html").read_text(encoding="utf-8")
        return web.Response(
            text=page.replace("{{TOKEN}}", desk.token),
            content_type="text/html",
            headers={"Content-Security-Policy": _CSP, "Cache-Control": "no-store"},
        )

    async def people(request: web.Request) -> web.Response:
        seats = [_seat_json(s) for s in teams.cast.seats]
        return web.json_response({"people": seats, "banner": teams.banner()})

    async def show(request: web.Request) -> web.Response:
        seat = teams.seat(request.query.get("as"))
        since = int(request.query.get("since", "-1") or -1)
        await teams.teams.connector.changed(since, POLL_SECONDS)
        return web.json_response(screen(teams, seat, request.query.get("conversation", "")))

    async def act(request: web.Request) -> web.Response:
        """A card button: the invoke Teams sends, and the bot's answer for the page to show."""
        got = await body(request)
        seat = teams.seat(got.get("as"))
        conversation = teams.conversation(seat, str(got.get("conversation", "")))
        verb, data = got.get("verb"), got.get("data")
        if not isinstance(verb, str) or not verb or len(verb) > 64:
            raise Refused("No action.")
        invoke = activities.card_action(
            teams.origin,
            conversation,
            seat.person,
            verb,
            data if isinstance(data, dict) else {},
            reply_to=str(got.get("activity", "")),
        )
        status, answer = await teams.send(invoke)
        return web.json_response({"status": status, "answer": answer})

    async def say(request: web.Request) -> web.Response:
        got = await body(request)
        seat = teams.seat(got.get("as"))
        conversation = teams.conversation(seat, str(got.get("conversation", "")))
        text = str(got.get("text", "")).strip()[:MAX_TEXT]
        if not text:
            raise Refused("Type something first.")
        message = activities.message(teams.origin, conversation, seat.person, text)
        status, _ = await teams.send(message)
        return web.json_response({"status": status})

    router = app.router
    router.add_get("/sandbox/teams", guarded(index))
    router.add_get("/sandbox/api/teams/people", guarded(people))
    router.add_get("/sandbox/api/teams/screen", guarded(show))
    router.add_post("/sandbox/api/teams/act", guarded(act))
    router.add_post("/sandbox/api/teams/say", guarded(say))
