"""`/api/messages`: where Teams (through Bot Framework) delivers every activity for the bot.

Order matters, as on Slack's endpoint. The Bot Framework token is checked from the header
first (handlers.teams.auth), so a stranger's request never reaches a parser, the log above
DEBUG or the database. Then the headers must say JSON (415) of at most an activity's size
(413), before a byte of the body is read. Only then is the body read and checked field by field
(handlers.teams.activity): a malformed activity is a 400 naming the field, never a 500. Then
the token's `serviceUrl` must be the activity's.

The conversation is learnt when the app is installed there or first addressed from there, for
the organisation config gives its tenant (bot.usecases.conversations); any other tenant is told
so and nothing is stored. Someone who addresses the bot must be a member of that tenant, not a
guest in it (handlers.teams.membership), before anything is learnt from what they sent. Card
buttons (invokes) are answered in the HTTP answer with the card (handlers.teams.invoke); typed
messages are answered in the conversation.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.domain.errors import DomainError
from bot.usecases.conversations import Seen, learn_conversation, may_learn
from handlers.log_context import request_id
from handlers.teams.activity import (
    MAX_BODY_BYTES,
    ActivityType,
    Inbound,
    MalformedActivity,
    parse_activity,
    parse_body,
)
from handlers.teams.auth import BotFrameworkAuth, Unauthenticated, check_activity
from handlers.teams.context import TeamsDeps
from handlers.teams.flows import FLOWS
from handlers.teams.flows.commands import command
from handlers.teams.flows.common import show
from handlers.teams.identity import TeamsEdge, asker_of
from handlers.teams.invoke import ADAPTIVE_CARD_ACTION, NOT_STORED, answer_invoke, parse_invoke
from handlers.teams.replies import message_answer

log = logging.getLogger(__name__)
PATH = "/api/messages"
READY = (
    "The CIR bot is ready here: incident cards and pages for your organisation will be posted "
    "in this conversation. Type help for what you can ask."
)


def refuse(status: int, reason: str) -> web.Response:
    """A short JSON answer; nothing from the request is echoed back."""
    return web.json_response({"error": {"code": str(status), "message": reason}}, status=status)


def mount(web_app: web.Application, deps: TeamsDeps, auth: BotFrameworkAuth) -> None:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        try:
            claims = await auth.verify(request.headers.get("Authorization", ""))
        except Unauthenticated as exc:
            log.debug("refused Teams request: %s", exc.reason)
            return refuse(exc.status, exc.reason)
        refused = _unreadable(request)
        if refused is not None:
            return refused
        raw = await request.read()  # bounded by the app's client_max_size, if sent chunked
        if len(raw) > MAX_BODY_BYTES:
            return refuse(413, "the activity is too large")
        try:
            activity = parse_activity(parse_body(raw))
            check_activity(claims, activity.service_url, "msteams")
        except MalformedActivity as exc:
            log.warning("malformed Teams activity: %s", exc)
            return refuse(400, f"malformed activity: {exc}")
        except Unauthenticated as exc:
            return refuse(exc.status, exc.reason)
        async with deps.tasks.answering():
            response = await _dispatch(deps, activity)
            response.headers["X-Request-Id"] = request_id.get()
            await response.prepare(request)
            await response.write_eof()
        return response

    web_app.router.add_post(PATH, endpoint)
    web_app.on_cleanup.append(lambda _app: auth.close())


def _unreadable(request: web.Request) -> web.Response | None:
    """A 415 for a body that does not say it is JSON (Bot Framework posts `application/json`,
    and botbuilder's own aiohttp integration answers anything else 415), a 413 for one that
    says it is larger than an activity can be: refused on the headers, before a byte is read."""
    if request.content_type != "application/json":
        return refuse(415, "the body must be an activity as application/json")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return refuse(413, "the activity is too large")
    return None


async def _dispatch(deps: TeamsDeps, activity: Inbound) -> web.Response:
    kind = activity.type
    invoking = kind == ActivityType.INVOKE
    if invoking and activity.name != ADAPTIVE_CARD_ACTION:
        return web.Response(status=501)  # Bot Framework's answer to an invoke nobody handles
    edge = TeamsEdge(deps, activity, answering_invoke=invoking)
    try:
        if kind in {ActivityType.CONVERSATION_UPDATE, ActivityType.INSTALLATION_UPDATE}:
            if activity.bot_added:
                await _installed(edge)
            return web.Response(status=200)
        if kind not in {ActivityType.MESSAGE, ActivityType.INVOKE}:
            return web.Response(status=200)  # reactions, typing, …: nothing to do
        invoked = parse_invoke(activity.value) if invoking else None  # malformed: nothing kept
        if not await _learnt(edge):
            return _answer(edge, invoking)
        if invoked is not None:
            return web.json_response(await answer_invoke(edge, invoked, FLOWS, show))
        await command(edge, asker_of(activity), activity.text)
        return web.Response(status=200)
    except MalformedActivity as exc:
        log.warning("malformed Teams activity: %s", exc)
        return refuse(400, f"malformed activity: {exc}")
    except Exception as exc:  # the database or Teams failed: told, never a 500
        log.warning("Teams %s not handled: %s", kind, type(exc).__name__, exc_info=True)
        if invoking:
            return web.json_response(message_answer(NOT_STORED))
        return web.Response(status=200)


def _answer(edge: TeamsEdge, invoking: bool) -> web.Response:
    if invoking:
        return web.json_response(message_answer("\n".join(edge.told)))
    return web.Response(status=200)


def _seen(activity: Inbound) -> Seen:
    return Seen(
        tenant_id=activity.tenant_id,
        conversation_id=activity.conversation_id,
        service_url=activity.service_url,
        conversation_type=activity.conversation_type,
        bot_id=activity.recipient_id,
        user_id=activity.aad_object_id,
    )


async def _learnt(edge: TeamsEdge, *, installed: bool = False) -> bool:
    """The conversation stored for its tenant's organisation; False (the person told why,
    nothing stored) for a tenant the service does not know."""
    deps = edge.deps
    try:
        seen = _seen(edge.activity)
        # Whoever sent it, installing the app or acting, must be a member of the tenant, not a
        # guest in it, before anything is stored: a group chat a guest installed the app in
        # would otherwise become the organisation's newest conversation, where its cards and
        # pages go. Strangers and other organisations' conversations are refused first, unasked.
        await may_learn(seen, deps.uow(), deps.ctx)
        await edge.confirm_member(installing=installed)
        edge.ref = await learn_conversation(seen, deps.uow(), deps.ctx, installed=installed)
    except DomainError as exc:
        await edge.tell(asker_of(edge.activity), str(exc))
        return False
    return True


async def _installed(edge: TeamsEdge) -> None:
    if await _learnt(edge, installed=True):
        await edge.say(READY)
