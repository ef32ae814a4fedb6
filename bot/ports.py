"""What the core needs from the outside world, as protocols the edges implement.

Use cases take a UnitOfWork so they run the same against the real database and against fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Protocol

from bot.domain.incident import Incident
from bot.domain.reference import Reference
from bot.domain.timeline import TimelineEvent


class IncidentRepository(Protocol):
    async def add(self, incident: Incident) -> None: ...

    async def get(self, incident_id: str) -> Incident | None: ...

    async def get_by_reference(self, reference: Reference) -> Incident | None: ...

    async def list_open(self) -> Sequence[Incident]: ...

    async def next_reference(self, year: int) -> Reference:
        """Allocate the next reference of `year`; gap-free because it commits with the incident."""
        ...


class TimelineRepository(Protocol):
    async def for_incident(self, incident_id: str) -> Sequence[TimelineEvent]: ...

    async def incident_ids(self) -> Sequence[str]: ...


class UnitOfWork(Protocol):
    incidents: IncidentRepository
    timeline: TimelineRepository

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Persist every tracked incident and chain its pending events into the timeline."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
