"""handlers.acting: how every listener begins and refuses, on any platform."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.domain.actors import Actor, OrgKind
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from handlers.acting import Asker, acting, actor_or_none, answered

KIM = Actor("slack:T1:U1", "Kim", OrgKind.PROVIDER, "kpmg")


@dataclass
class Edge:
    """An edge whose identity knows only U1; it keeps what it told whom."""

    told: list[tuple[Asker, str]] = field(default_factory=list)

    async def actor_of(self, asker: Asker) -> Actor:
        if asker.user != "U1":
            raise NotAuthorised("Slack could not confirm who you are.")
        return KIM

    async def tell(self, asker: Asker, text: str) -> None:
        self.told.append((asker, text))


@acting
async def record(edge: Edge, actor: Actor, asker: Asker, ran: list[str], fail: str = "") -> None:
    ran.append(actor.name)
    if fail == "refused":
        raise NotAuthorised("Only the assigned provider can do that.")
    if fail == "bug":
        raise RuntimeError("a bug")


async def test_the_actor_is_found_and_passed_in() -> None:
    edge = Edge()
    ran: list[str] = []
    await record(edge, Asker("U1", "T1", "C1"), ran)
    assert ran == ["Kim"]
    assert edge.told == []


async def test_someone_unconfirmed_is_told_and_nothing_runs() -> None:
    edge = Edge()
    ran: list[str] = []
    await record(edge, Asker("U9", "", "C1"), ran)
    assert ran == []
    assert edge.told == [(Asker("U9", "", "C1"), "Slack could not confirm who you are.")]


async def test_a_refusal_is_told_word_for_word_where_they_acted() -> None:
    edge = Edge()
    ran: list[str] = []
    await record(edge, Asker("U1", "T1", "C1"), ran, fail="refused")
    assert edge.told == [(Asker("U1", "T1", "C1"), "Only the assigned provider can do that.")]


async def test_anything_but_a_domain_error_is_not_swallowed() -> None:
    edge = Edge()
    with pytest.raises(RuntimeError):
        await record(edge, Asker("U1"), [], fail="bug")
    assert edge.told == []


async def test_answered_tells_without_looking_anyone_up() -> None:
    @answered
    async def flow(edge: Edge, asker: Asker, text: str) -> None:
        raise InvalidInput(text)

    edge = Edge()
    await flow(edge, Asker("U9"), "Say which incident.")
    assert edge.told == [(Asker("U9"), "Say which incident.")]


async def test_actor_or_none() -> None:
    assert await actor_or_none(Edge(), Asker("U1")) == KIM
    assert await actor_or_none(Edge(), Asker("U9")) is None


def test_a_domain_error_is_what_a_refusal_is() -> None:
    assert issubclass(NotAuthorised, DomainError)
    assert issubclass(InvalidInput, DomainError)
