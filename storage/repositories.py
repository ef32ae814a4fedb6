"""SQLAlchemy repositories behind the core's ports."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.deadlines import DeadlineKind
from bot.domain.errors import RecordTampered
from bot.domain.incident import Incident
from bot.domain.reference import Reference
from bot.domain.seal import Binding, Head, counter_mac
from bot.domain.states import OPEN_STATES
from bot.domain.timeline import TimelineEvent, TimelineKey
from storage import statements
from storage.database import dialect_of
from storage.mapping import event_from_row, incident_from_row, incident_values
from storage.models import IncidentRow, ReferenceCounterRow, TimelineEventRow


class SqlIncidentRepository:
    def __init__(self, session: AsyncSession, key: TimelineKey) -> None:
        self._session = session
        self._key = key
        self.seen: dict[str, Incident] = {}
        self.new: set[str] = set()
        # incidents whose row lock this transaction already holds (a firing's claim took it)
        self.held: set[str] = set()
        # chain heads read together with their incident's locked row, for the commit
        self.known_heads: dict[str, Head] = {}
        # (incident, kind) read under the incident's lock as having no pending deadline; shared
        # with the unit of work's deadline repository, which then answers without a query
        self.none_pending: set[tuple[str, DeadlineKind]] = set()

    def _track(self, incident: Incident) -> Incident:
        existing = self.seen.get(incident.id)
        if existing is not None:
            return existing
        self.seen[incident.id] = incident
        return incident

    async def add(self, incident: Incident) -> None:
        """Insert the row at once, so rows that reference the incident (its checklist, its
        deadlines) can be added in the same transaction; its events are chained at commit."""
        await self._session.execute(
            insert(IncidentRow).values(
                id=incident.id,
                reference=str(incident.reference),
                year=incident.reference.year,
                number=incident.reference.number,
                opened_at=incident.opened_at,
                version=1,
                **incident_values(incident),
            )
        )
        incident.version = 1
        self.seen[incident.id] = incident
        self.new.add(incident.id)

    async def get(self, incident_id: str) -> Incident | None:
        if incident_id in self.seen:
            return self.seen[incident_id]
        found = await self._session.execute(statements.incident_by_id(), {"b_id": incident_id})
        row = found.first()
        return self._track(incident_from_row(row)) if row else None

    async def get_for_update(self, incident_id: str) -> Incident | None:
        """Load and lock the incident row until commit, so racing commands (contact made vs an
        escalation firing) take turns instead of both acting on stale state.

        SQLite ignores FOR UPDATE, and a read there does not even start a transaction, so a
        command would read the incident while a firing holds the database and only queue at
        its first write, then fail its version check on the stale copy. A no-op write first
        takes SQLite's write lock (waiting out busy_timeout), so the read after it is fresh.

        An incident in `held` is already locked by this transaction (a firing's claim, which
        on SQLite is its first write): no lock is taken again, and its chain head is read in
        the same statement (`known_heads`, for the commit), with whether an escalation retry
        is pending (`none_pending`, which the unit of work's deadline repository answers from).
        """
        held = incident_id in self.held
        if dialect_of(self._session) == "sqlite" and not held:
            await self._session.execute(
                update(IncidentRow)
                .where(IncidentRow.id == incident_id)
                .values(version=IncidentRow.version)
            )
        stmt = statements.incident_with_head() if held else statements.incident_for_update()
        row = (await self._session.execute(stmt, {"b_id": incident_id})).first()
        if row is None:
            return None
        incident = incident_from_row(row)
        if held and row.head_seq is not None:
            providers = tuple(row.head_provider_ids or ())
            binding = Binding(row.head_reference, row.head_council_id, providers)
            head = Head(incident_id, binding, row.head_seq, row.head_event_mac, row.head_mac)
            self.known_heads[incident_id] = head
        if held and not row._mapping[statements.RETRIES_PENDING]:
            self.none_pending.add((incident_id, DeadlineKind.ESCALATION_RETRY))
        current = self.seen.get(incident_id)
        if current is not None and current.version == incident.version:
            return current
        self.seen[incident_id] = incident
        return incident

    async def get_by_reference(self, reference: Reference) -> Incident | None:
        row = (
            await self._session.execute(
                select(IncidentRow).where(IncidentRow.reference == str(reference))
            )
        ).scalar_one_or_none()
        return self._track(incident_from_row(row)) if row else None

    async def list_open(self) -> Sequence[Incident]:
        rows = (
            await self._session.execute(
                select(IncidentRow)
                .where(IncidentRow.state.in_([s.value for s in OPEN_STATES]))
                .order_by(IncidentRow.opened_at)
            )
        ).scalars()
        return [self._track(incident_from_row(r)) for r in rows]

    async def next_reference(self, year: int) -> Reference:
        """An upsert that increments the year's counter and holds its row lock until commit.

        Two referrals at once serialise on that row; a rolled-back referral rolls its number back
        too, so numbers stay gap-free. The row's MAC is checked (RETURNING gives the one the
        previous number was sealed with) and moved on: a counter wound back to hide a deleted
        incident refuses new references instead of reusing the deleted one's.
        """
        insert = postgresql.insert if dialect_of(self._session) == "postgresql" else sqlite.insert
        stmt = (
            insert(ReferenceCounterRow)
            .values(year=year, last=1)
            .on_conflict_do_update(
                index_elements=[ReferenceCounterRow.year],
                set_={"last": ReferenceCounterRow.last + 1},
            )
            .returning(ReferenceCounterRow.last, ReferenceCounterRow.mac)
        )
        number, mac = (await self._session.execute(stmt)).one()
        if number > 1 and not hmac.compare_digest(mac, counter_mac(self._key, year, number - 1)):
            raise RecordTampered(
                f"The reference counter for {year} fails its integrity check; no referral can "
                "be numbered until MHCLG has run verify-timeline."
            )
        await self._session.execute(
            update(ReferenceCounterRow)
            .where(ReferenceCounterRow.year == year)
            .values(mac=counter_mac(self._key, year, number))
        )
        return Reference(year, number)


_CHUNK = 500


class SqlTimelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_incident(self, incident_id: str) -> Sequence[TimelineEvent]:
        rows = (
            await self._session.execute(
                select(TimelineEventRow)
                .where(TimelineEventRow.incident_id == incident_id)
                .order_by(TimelineEventRow.seq)
            )
        ).scalars()
        return [event_from_row(r) for r in rows]

    async def incident_ids(self) -> Sequence[str]:
        rows = await self._session.execute(select(IncidentRow.id).order_by(IncidentRow.opened_at))
        return list(rows.scalars())

    async def opened_between(
        self, start: datetime, end: datetime
    ) -> Sequence[tuple[Incident, Sequence[TimelineEvent]]]:
        """One query for the incidents, one per 500 of them for their events (bound parameters
        stay well under every database's limit). Read only: nothing is tracked for saving."""
        found = (
            await self._session.execute(
                select(IncidentRow)
                .where(IncidentRow.opened_at >= start, IncidentRow.opened_at < end)
                .order_by(IncidentRow.opened_at)
            )
        ).scalars()
        incidents = [incident_from_row(r) for r in found]
        events: dict[str, list[TimelineEvent]] = {i.id: [] for i in incidents}
        ids = list(events)
        for at in range(0, len(ids), _CHUNK):
            rows = await self._session.execute(
                select(TimelineEventRow)
                .where(TimelineEventRow.incident_id.in_(ids[at : at + _CHUNK]))
                .order_by(TimelineEventRow.incident_id, TimelineEventRow.seq)
            )
            for row in rows.scalars():
                events[row.incident_id].append(event_from_row(row))
        return [(i, events[i.id]) for i in incidents]
