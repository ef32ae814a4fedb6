"""When Slack refuses a message the bot meant to post: say so, everywhere it matters.

A refused announcement or card is otherwise invisible: the listener has answered, the person
sees nothing in the channel, and a card that fails to redraw stays frozen. So each refusal is a
WARNING with Slack's error (never the message's content), an event on the incident's timeline,
and a plain-words note to the person whose action it was, found through `acting`, which the
app's middleware sets for every request (spawned work inherits it).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.bindings import Platform
from bot.ports import UnitOfWorkFactory
from bot.usecases.context import CoreContext
from bot.usecases.presence import record_message_refused
from handlers.slack.caches import Recent

log = logging.getLogger(__name__)

# (user id, channel id) of the person whose request is being handled; None for the scheduler.
acting: ContextVar[tuple[str, str] | None] = ContextVar("slack_acting", default=None)


def slack_error(exc: SlackApiError) -> str:
    """What Slack said. Its usual refusal (HTTP 200, `ok: false`) is its error code and first
    detail line (which names the offending block, not the text); any other status is named as
    such, with Slack's error if it gave one: "Slack answered 503", "Slack answered 429
    (ratelimited)". A 503 page that is not JSON is Slack's outage, never a parsing error."""
    data = exc.response.data
    status = exc.response.status_code
    error = str(data.get("error") or "") if isinstance(data, dict) else ""
    if status != 200:
        return f"Slack answered {status}" + (f" ({error})" if error else "")
    if not error:
        return "Slack answered ok: false without an error"
    assert isinstance(data, dict)
    messages = (data.get("response_metadata") or {}).get("messages") or []
    return f"{error} {messages[0]}" if messages and isinstance(messages[0], str) else error


def unreachable(exc: BaseException) -> str:
    """A failure with no answer from Slack at all (after the client's own retries)."""
    return f"could not reach Slack ({type(exc).__name__})"


def error_code(error: str) -> str:
    """The part of `slack_error`'s text to show in a one-line note: the code alone, or the
    whole of "Slack answered 503"."""
    if error.startswith(("Slack answered", "could not reach")):
        return error
    return error.split(" ", 1)[0]


async def remember_acting(body: dict[str, Any], next: Any) -> None:
    """Bolt middleware: note who is acting and where, for `Refusals.tell`."""
    user = body.get("user")
    user_id = user.get("id", "") if isinstance(user, dict) else str(body.get("user_id") or "")
    channel = body.get("channel")
    channel_id = channel.get("id", "") if isinstance(channel, dict) else ""
    channel_id = channel_id or str(body.get("channel_id") or "")
    acting.set((user_id, channel_id) if user_id else None)
    await next()


class Refusals:
    def __init__(self, client: AsyncWebClient, uow: UnitOfWorkFactory, ctx: CoreContext) -> None:
        self.client, self.uow, self.ctx = client, uow, ctx
        # incident id -> the last refusal recorded, so a card refused at every redraw is one
        # event until the error changes (the most recent incidents; forgotten at closure)
        self._last: Recent[tuple[str, str]] = Recent()

    def forget(self, incident_id: str) -> None:
        self._last.forget(incident_id)

    async def refused(self, incident_id: str, what: str, error: str) -> None:
        log.warning("slack refused a message", extra={"event": what, "status": error})
        if self._last.get(incident_id) != (what, error):
            self._last.put(incident_id, (what, error))
            try:
                await record_message_refused(
                    self.uow(), self.ctx, incident_id, Platform.SLACK, what, error
                )
            except Exception:
                log.warning("refusal not recorded", exc_info=True)
        await self.tell(
            f"Your change is saved, but Slack refused the {what} the bot tried to post "
            f"({error_code(error)}). It is on the incident's timeline; MHCLG's CIR team "
            "can see it there."
        )

    async def tell(self, text: str) -> None:
        who = acting.get()
        if who is not None:
            await tell_person(self.client, *who, text)


async def tell_person(client: AsyncWebClient, user: str, channel: str, text: str) -> None:
    """An ephemeral answer to one person where they acted; else a direct message."""
    try:
        if channel:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
    except SlackApiError:
        pass
    try:
        await client.chat_postMessage(channel=user, text=text)
    except SlackApiError as exc:
        log.warning("could not tell user", extra={"status": slack_error(exc)})
