"""One way for a Slack form submission to begin and to refuse: the form's counterpart of
`handlers.acting.acting`.

A form is answered inside Slack's three seconds with its mistakes beside the fields, so that
nothing typed is lost: the submitter is found first (someone Slack cannot confirm is told so
beside `Inline.field`, and nothing runs), then the listener's body runs its use case, and a
`DomainError` it raises before acknowledging becomes the form's errors: an `InvalidInput`'s
own fields where the form has them, else its message beside the field. Forms whose refusals
of the person should close the form say `tell_refusals`: then a `NotAuthorised` closes it and
is told privately, in the channel the form was opened from.

    @app.view(Form.PHASE.value)
    @submission(deps, Inline("target", PhaseInput, tell_refusals=True))
    async def phase(ack, actor, body, view): ...
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from slack_bolt.async_app import AsyncAck

from bot.domain.actors import Actor
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from handlers.acting import Asker
from handlers.slack.context import SlackDeps

Body = dict[str, Any]
Submitted = Callable[[AsyncAck, Actor, Body, Body], Awaitable[None]]
Listener = Callable[[AsyncAck, Body, Body], Awaitable[None]]


class Inline:
    """Where a form shows what refused it."""

    def __init__(
        self,
        field: str,
        known: Iterable[str] = (),
        *,
        invalid_at: str = "",
        tell_refusals: bool = False,
    ) -> None:
        self.field = str(field)  # beside which field a refusal, or an unconfirmed submitter
        self.known = frozenset(str(k) for k in known)  # the fields an InvalidInput may name
        self.invalid_at = str(invalid_at) or self.field  # an InvalidInput naming none of them
        self.tell_refusals = tell_refusals  # NotAuthorised closes the form, said privately

    def errors(self, exc: DomainError) -> dict[str, str]:
        if isinstance(exc, InvalidInput):
            known = {k: v for k, v in exc.field_errors.items() if k in self.known}
            return known or {self.invalid_at: str(exc)}
        return {self.field: str(exc)}


def meta_of(view: Body) -> dict[str, Any]:
    """The form's private_metadata, as the bot wrote it when it opened the form."""
    return dict(json.loads(view.get("private_metadata") or "{}"))


def submission(deps: SlackDeps, inline: Inline) -> Callable[[Submitted], Listener]:
    def wrap(body_of: Submitted) -> Listener:
        # no functools.wraps: Bolt reads the parameters of what it is given (through
        # __wrapped__) to decide what to pass, and it must see (ack, body, view)
        async def listener(ack: AsyncAck, body: Body, view: Body) -> None:
            user = body["user"]
            try:
                actor = await deps.actor_of(Asker(user["id"], user.get("team_id", "")))
            except DomainError as exc:
                await ack(response_action="errors", errors={inline.field: str(exc)})
                return
            try:
                await body_of(ack, actor, body, view)
            except NotAuthorised as exc:
                if not inline.tell_refusals:
                    await ack(response_action="errors", errors=inline.errors(exc))
                    return
                await ack()
                asker = Asker(user["id"], "", meta_of(view).get("channel", ""))
                deps.tasks.spawn(deps.tell(asker, str(exc)))
            except DomainError as exc:
                await ack(response_action="errors", errors=inline.errors(exc))

        listener.__name__ = listener.__qualname__ = getattr(body_of, "__name__", "submission")
        return listener

    return wrap
