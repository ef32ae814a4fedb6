"""One incident's timeline as the report reads it: the events of a kind, each with its typed
payload, so every reader names kinds and keys that mypy checks (bot.domain.events)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from bot.domain.events import Payload
from bot.domain.timeline import TimelineEvent

P = TypeVar("P", bound=Payload)


@dataclass(frozen=True)
class Read(Generic[P]):
    """An event and its payload: who and when from the one, what from the other."""

    event: TimelineEvent
    payload: P

    @property
    def seq(self) -> int:
        return self.event.seq

    @property
    def at(self) -> datetime:
        return self.event.at

    @property
    def actor_name(self) -> str:
        return self.event.actor_name

    @property
    def organisation(self) -> str:
        return self.event.organisation


class Record:
    """The events of one incident in seq order, found by payload class."""

    def __init__(self, events: Sequence[TimelineEvent]) -> None:
        self.events = sorted(events, key=lambda e: e.seq)
        self._by_kind: dict[str, list[TimelineEvent]] = {}
        for event in self.events:
            self._by_kind.setdefault(event.kind, []).append(event)

    def all(self, cls: type[P]) -> list[Read[P]]:
        """Every event of `cls`'s kind, in seq order."""
        return [Read(e, cls.read(e)) for e in self._by_kind.get(cls.kind, ())]

    def last(self, *classes: type[P]) -> Read[P] | None:
        """The latest event of any of these kinds."""
        found = [read for cls in classes for read in self.all(cls)]
        return max(found, key=lambda r: r.seq) if found else None
