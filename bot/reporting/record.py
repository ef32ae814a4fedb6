"""One incident's timeline as the report reads it: the events of a kind, each with its typed
payload, so every reader names kinds and keys that mypy checks (bot.domain.events).

Each event's payload is read once, however many sections ask: a big incident has thousands.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from bot.domain.events import Payload, parse
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
        # None for a kind this code does not know (or data that is not an object)
        self._payloads = [
            parse(e.kind, e.data if isinstance(e.data, dict) else {}) for e in self.events
        ]
        self._by_kind: dict[str, list[int]] = {}
        for index, event in enumerate(self.events):
            self._by_kind.setdefault(event.kind, []).append(index)

    def __iter__(self) -> Iterator[tuple[TimelineEvent, Payload | None]]:
        """Every event in seq order, with its payload (None for a kind this code does not know)."""
        return iter(zip(self.events, self._payloads, strict=True))

    def all(self, cls: type[P]) -> list[Read[P]]:
        """Every event of `cls`'s kind, in seq order."""
        found = []
        for index in self._by_kind.get(cls.kind, ()):
            payload = self._payloads[index]
            if not isinstance(payload, cls):  # the registry maps each kind to its one class
                raise TypeError(f"{cls.kind} read as {type(payload)}, not {cls}")
            found.append(Read(self.events[index], payload))
        return found

    def last(self, *classes: type[P]) -> Read[P] | None:
        """The latest event of any of these kinds."""
        found = [read for cls in classes for read in self.all(cls)]
        return max(found, key=lambda r: r.seq) if found else None
