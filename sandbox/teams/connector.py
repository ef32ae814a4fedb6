"""A local Bot Connector service (the Bot Framework v3 REST API as Teams serves it), so the bot's
connector client is tested over real HTTP against the real service's answers and refusals.

Routes, under a region prefix as real service URLs have one (`…/teams/`, `…/emea/`):
- POST /v3/conversations: create a personal chat (bot, one member, tenant in channelData);
  asking twice gives the same conversation, as Teams does.
- POST /v3/conversations/{id}/activities: send (201 {"id"}).
- POST /v3/conversations/{id}/activities/{activityId}: reply (201 {"id"}).
- PUT /v3/conversations/{id}/activities/{activityId}: update in place (200 {"id"}; 404 unknown).
- DELETE /v3/conversations/{id}/activities/{activityId}: delete.
- GET /v3/conversations/{id}/members/{memberId}: one member of the conversation, a member of
  its tenant or a guest in it (`members`); 404 for someone not in its roster.

Checks, in this order: a Bearer token issued by the identity stand-in (401 otherwise), faults a
test queued (429 with Retry-After, 412, 502, 504, any status), the conversation (404 unknown, 403
when the bot is not in its roster or, for a post, was blocked), the body (400 malformed JSON),
the size (413, see `rules`), the activity (400). Errors carry Teams' codes:
`{"error": {"code", "message"}}`. Every call is recorded in `calls`; what was accepted is in
`directory` per conversation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.local_server import LocalServer
from sandbox.teams.creation import personal_chat_member
from sandbox.teams.directory import Conversation, Directory, Person, Posted, activity_id
from sandbox.teams.faults import Fault, Faults, Throttled
from sandbox.teams.identity import App, FakeBotIdentity, TokenRefused
from sandbox.teams.members import member_account
from sandbox.teams.rules import (
    MESSAGE_SIZE_LIMIT,
    Refusal,
    adaptive_cards,
    check_activity,
    check_size,
    parsed,
)

REGION = "teams"
READS = frozenset({"member"})  # operations that change nothing
_DENIED = {"message": "Authorization has been denied for this request."}


@dataclass(frozen=True)
class Call:
    """One request as it reached the stand-in, and the status it was answered with."""

    operation: str  # "create" | "send" | "reply" | "update" | "delete" | "member"
    conversation_id: str
    status: int
    body: Any


class FakeBotConnector(LocalServer):
    def __init__(self, identity: FakeBotIdentity, *, size_limit: int = MESSAGE_SIZE_LIMIT) -> None:
        self.identity = identity
        self.size_limit = size_limit
        self.directory = Directory()
        self.calls: list[Call] = []
        self._faults = Faults()
        self.version = 0  # grows with every accepted change (the sandbox page waits on it)
        self._changed = asyncio.Event()
        self.root = ""

    # --- addresses --------------------------------------------------------------------------

    @property
    def service_url(self) -> str:
        """What activities from this "Teams" carry as serviceUrl (trailing slash, as Teams)."""
        if not self.root:
            raise RuntimeError("FakeBotConnector is not started")
        return f"{self.root}/{REGION}/"

    # --- set-up -----------------------------------------------------------------------------

    def add_person(
        self, tenant_id: str, name: str, aad_object_id: str = "", *, app_installed: bool = True
    ) -> Person:
        return self.directory.add_person(
            tenant_id, name, aad_object_id, app_installed=app_installed
        )

    def add_guest(self, host_tenant_id: str, name: str, home_tenant_id: str) -> Person:
        """A Microsoft Entra B2B guest: someone of `home_tenant_id` invited into the host's
        tenant (and so into its channels); Teams names them by the host's tenant and ids."""
        return self.directory.add_person(host_tenant_id, name, guest_from=home_tenant_id)

    def remove_member(self, conversation_id: str, person: Person) -> None:
        """`person` removed from the team (or chat): the member lookup now answers 404."""
        self.directory.remove_member(conversation_id, person)

    def add_channel(self, tenant_id: str, app: App | None, name: str = "General") -> Conversation:
        """A team's channel where `app` is installed (None: a channel without the bot)."""
        bots = (app.bot_id,) if app else ()
        return self.directory.add_conversation(tenant_id, "channel", name, bots)

    def add_group_chat(
        self, tenant_id: str, app: App | None, members: tuple[Person, ...] = ()
    ) -> Conversation:
        bots = (app.bot_id,) if app else ()
        return self.directory.add_conversation(
            tenant_id, "groupChat", "", bots, tuple(p.user_id for p in members)
        )

    def remove_bot(self, conversation_id: str, app: App) -> None:
        """The app is uninstalled from that conversation: posting there is now a 403."""
        self.directory.conversations[conversation_id].bot_ids.discard(app.bot_id)

    def block(self, conversation_id: str) -> None:
        """The person blocked the bot in a personal chat: a 403 ConversationBlockedByUser."""
        self.directory.conversations[conversation_id].blocked = True

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: float | None = None,
        operation: str | None = None,
        after: float = 0.0,
    ) -> None:
        """The next `times` calls (of `operation`, or any) are answered `status`: 429 Throttled
        (with Retry-After when given), 412 PreconditionFailed, 502, 504, or any other; each
        only `after` seconds (a slow front end that then fails)."""
        self._faults.add(Fault(status, retry_after, after, operation), times)

    def throttle_next(
        self, times: int = 1, retry_after: float = 1.0, operation: str | None = None
    ) -> None:
        self.fail_next(429, times, retry_after=retry_after, operation=operation)

    def delay_next(self, seconds: float, times: int = 1, operation: str | None = None) -> None:
        """The next calls are answered only after `seconds` (and then normally)."""
        self._faults.add(Fault(0, None, seconds, operation), times)

    # --- what tests read --------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> Conversation:
        return self.directory.conversations[conversation_id]

    def posted(self, conversation_id: str) -> list[Posted]:
        """The activities in a conversation as people see them now, oldest first."""
        return list(self.directory.conversations[conversation_id].activities.values())

    def cards(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every Adaptive Card shown in a conversation now, oldest first."""
        return [c for p in self.posted(conversation_id) for c in adaptive_cards(p.activity)]

    async def changed(self, since: int, seconds: float) -> None:
        """Returns when something was posted, updated or deleted after version `since`, or
        after `seconds`."""
        if self.version != since:
            return
        try:
            await asyncio.wait_for(self._changed.wait(), seconds)
        except TimeoutError:
            return

    def calls_to(self, operation: str) -> list[Call]:
        return [c for c in self.calls if c.operation == operation]

    def personal_chat_with(self, person: Person) -> Conversation | None:
        return next(
            (
                c
                for c in self.directory.conversations.values()
                if c.conversation_type == "personal" and c.member_ids == [person.user_id]
            ),
            None,
        )

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024**2)
        base = "/{region}/v3/conversations"
        app.router.add_post(base, self._create)
        app.router.add_post(base + "/{conversation}/activities", self._send)
        app.router.add_post(base + "/{conversation}/activities/{activity}", self._reply)
        app.router.add_put(base + "/{conversation}/activities/{activity}", self._update)
        app.router.add_delete(base + "/{conversation}/activities/{activity}", self._delete)
        app.router.add_get(base + "/{conversation}/members/{member}", self._member)
        self.root = await self._serve(app, access_log=None, shutdown_timeout=0.5)

    # --- HTTP -------------------------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        return await self._answer("create", request, self._do_create)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._answer("send", request, self._do_send)

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._answer("reply", request, self._do_send)

    async def _update(self, request: web.Request) -> web.Response:
        return await self._answer("update", request, self._do_update)

    async def _delete(self, request: web.Request) -> web.Response:
        return await self._answer("delete", request, self._do_delete)

    async def _member(self, request: web.Request) -> web.Response:
        return await self._answer("member", request, self._do_member)

    async def _answer(self, operation: str, request: web.Request, do: Any) -> web.Response:
        raw = await request.read()
        conversation_id = request.match_info.get("conversation", "")
        body: Any = raw.decode("utf-8", "replace")
        try:
            app = self._caller(request.headers.get("Authorization", ""))
            await self._faults.apply(operation)
            if raw:
                body = parsed(raw)
            response: web.Response = do(app, request, body)
        except _Denied:
            response = web.json_response(_DENIED, status=401)
        except Refusal as refusal:
            response = web.json_response(refusal.body(), status=refusal.status)
            if isinstance(refusal, Throttled):
                response.headers["Retry-After"] = f"{refusal.retry_after:g}"
        self.calls.append(Call(operation, conversation_id, response.status, body))
        if response.status < 300 and operation not in READS:
            self.version += 1
            self._changed.set()
            self._changed = asyncio.Event()
        return response

    def _caller(self, header: str) -> App:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _Denied
        try:
            return self.identity.check_access_token(token.strip())
        except TokenRefused:
            raise _Denied from None

    def _reachable(self, app: App, conversation_id: str, *, posting: bool = True) -> Conversation:
        conversation = self.directory.conversations.get(conversation_id)
        if conversation is None:
            raise Refusal(404, "ConversationNotFound", "Conversation not found.")
        if app.bot_id not in conversation.bot_ids:
            raise Refusal(
                403, "BotNotInConversationRoster", "The bot is not part of the conversation roster."
            )
        if posting and conversation.blocked:
            raise Refusal(
                403, "ConversationBlockedByUser", "User blocked the conversation with the bot."
            )
        return conversation

    def _accepted(self, activity: Any) -> dict[str, Any]:
        if not isinstance(activity, dict):
            raise Refusal(400, "BadSyntax", "Activity must be a JSON object.")
        check_size(activity, self.size_limit)
        check_activity(activity)
        return activity

    def _do_send(self, app: App, request: web.Request, body: Any) -> web.Response:
        conversation = self._reachable(app, request.match_info["conversation"])
        reply_to = request.match_info.get("activity")
        if reply_to is not None and reply_to not in conversation.activities:
            raise Refusal(404, "ActivityNotFoundInConversation", "Activity not found.")
        activity = self._accepted(body)
        posted = Posted(activity_id(), app.bot_id, reply_to, [activity])
        conversation.activities[posted.id] = posted
        return web.json_response({"id": posted.id}, status=201)

    def _do_update(self, app: App, request: web.Request, body: Any) -> web.Response:
        conversation = self._reachable(app, request.match_info["conversation"])
        posted = conversation.activities.get(request.match_info["activity"])
        if posted is None:
            raise Refusal(404, "ActivityNotFoundInConversation", "Activity not found.")
        activity = self._accepted(body)
        if posted.bot_id != app.bot_id:
            raise Refusal(403, "Forbidden", "Cannot update an activity sent by someone else.")
        posted.versions.append(activity)
        return web.json_response({"id": posted.id}, status=200)

    def _do_delete(self, app: App, request: web.Request, body: Any) -> web.Response:
        conversation = self._reachable(app, request.match_info["conversation"])
        posted = conversation.activities.get(request.match_info["activity"])
        if posted is None:
            raise Refusal(404, "ActivityNotFoundInConversation", "Activity not found.")
        del conversation.activities[posted.id]
        return web.Response(status=200)

    def _do_member(self, app: App, request: web.Request, body: Any) -> web.Response:
        conversation = self._reachable(app, request.match_info["conversation"], posting=False)
        account = member_account(self.directory, conversation, request.match_info["member"])
        return web.json_response(account, status=200)

    def _do_create(self, app: App, request: web.Request, body: Any) -> web.Response:
        person = personal_chat_member(self.directory, app, body)
        conversation = self.directory.personal(app.bot_id, person)
        if conversation.blocked:
            raise Refusal(
                403, "ConversationBlockedByUser", "User blocked the conversation with the bot."
            )
        answer: dict[str, Any] = {"id": conversation.id}
        if body.get("activity") is not None:  # a first message, sent with the creation
            activity = self._accepted(body["activity"])
            posted = Posted(activity_id(), app.bot_id, None, [activity])
            conversation.activities[posted.id] = posted
            answer["activityId"] = posted.id
        return web.json_response(answer, status=201)


class _Denied(Exception):
    pass
