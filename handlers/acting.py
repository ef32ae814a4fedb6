"""One way for a listener, on any platform, to begin and to refuse.

Every chat action starts the same: find who is asking (the platform's identity lookup, which
refuses someone it cannot confirm), run one use case, render. And every refusal ends the
same: a `DomainError` (a rule of the service, `NotAuthorised`, `NotFound`, bad input) is told
to that person privately, in their words, and nothing else happens. `acting` and `answered`
say that once; a listener's flow holds only its own steps.

An edge (Slack's `SlackDeps`, and Teams' in turn) offers `actor_of` and `tell` for an `Asker`,
the platform's "who and where"; the decorators need nothing else, so a Teams flow is written
the same way:

    @acting
    async def record_mou_flow(deps, actor, asker, target, status):
        incident = await record_mou(RecordMou(actor, target, status), deps.uow(), deps.ctx)
        await deps.room.post(incident.id, mou_text(incident, actor.name))

and called as `record_mou_flow(deps, Asker(user, team, channel), target, status)`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from bot.domain.actors import Actor
from bot.domain.errors import DomainError


@dataclass(frozen=True)
class Asker:
    """Who acted and where, as the platform names them: the person's id, their own team or
    tenant (a fallback for the identity lookup), and the conversation to answer them in
    ("" when there is none: they are answered directly)."""

    user: str
    team: str = ""
    channel: str = ""


class Edge(Protocol):
    async def actor_of(self, asker: Asker) -> Actor:
        """Who this is to the service; raises `NotAuthorised` when the platform cannot say."""
        ...

    async def tell(self, asker: Asker, text: str) -> None:
        """A private answer to the person, where they acted."""
        ...


E = TypeVar("E", bound=Edge)
P = ParamSpec("P")


def answered(
    flow: Callable[Concatenate[E, Asker, P], Awaitable[None]],
) -> Callable[Concatenate[E, Asker, P], Awaitable[None]]:
    """Run `flow`; a `DomainError` it raises is told to the asker, word for word."""

    @functools.wraps(flow)
    async def run(edge: E, asker: Asker, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await flow(edge, asker, *args, **kwargs)
        except DomainError as exc:
            await edge.tell(asker, str(exc))

    return run


def acting(
    flow: Callable[Concatenate[E, Actor, Asker, P], Awaitable[None]],
) -> Callable[Concatenate[E, Asker, P], Awaitable[None]]:
    """`answered`, with the asker's `Actor` found first and passed in: someone the platform
    cannot confirm is told so, and the flow never runs."""

    @functools.wraps(flow)
    async def run(edge: E, asker: Asker, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            actor = await edge.actor_of(asker)
            await flow(edge, actor, asker, *args, **kwargs)
        except DomainError as exc:
            await edge.tell(asker, str(exc))

    return run


async def actor_or_none(edge: Edge, asker: Asker) -> Actor | None:
    """For a read whose only refusal is an empty answer (a type-ahead list, App Home): who is
    asking, or None when the platform cannot say."""
    try:
        return await edge.actor_of(asker)
    except DomainError:
        return None
