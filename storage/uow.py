"""The SQLAlchemy unit of work: one transaction per command, the state change and its timeline
events committed together or not at all.

Round trips are what a command costs the service (each about a quarter of a millisecond of
CPU here, more than the SQL it carries), so on PostgreSQL a change is written in one
statement: the version-checked update of the incident with its timeline rows, its chain head
and, for a firing, its deadline's `fired`, as data-modifying CTEs (`storage.statements`). A
unit of work that only reads (`read_only`) opens no transaction there."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.domain.deadlines import Deadline, DeadlineState
from bot.domain.errors import ConcurrencyConflict, RecordTampered
from bot.domain.incident import Incident
from bot.domain.seal import Binding, Head, head_is_genuine, seal
from bot.domain.timeline import GENESIS_HASH, TimelineKey, chain
from storage import statements
from storage.assessments import SqlAssessmentRepository, SqlRequestLog
from storage.bindings import SqlChannelRepository, SqlInviteRepository, SqlMessageRepository
from storage.conversations import SqlConversationRepository
from storage.database import dialect_of
from storage.deadlines import DeadlineNotPending, SqlDeadlineRepository
from storage.engagements import SqlEngagementRepository
from storage.errors import commits
from storage.followups import SqlChecklistRepository, SqlLessonsRepository
from storage.heads import SqlHeadRepository
from storage.mapping import incident_values
from storage.models import IncidentRow
from storage.org_bindings import SqlOrgBindingRepository
from storage.repositories import SqlIncidentRepository, SqlTimelineRepository
from storage.teams_cards import SqlTeamsCardRepository
from storage.writer_gate import GatedSession, writer_gate


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return result


class SqlUnitOfWork:
    session: AsyncSession
    incidents: SqlIncidentRepository
    timeline: SqlTimelineRepository
    channels: SqlChannelRepository
    invites: SqlInviteRepository
    messages: SqlMessageRepository
    requests: SqlRequestLog
    assessments: SqlAssessmentRepository
    deadlines: SqlDeadlineRepository
    checklist: SqlChecklistRepository
    lessons: SqlLessonsRepository
    engagements: SqlEngagementRepository
    heads: SqlHeadRepository
    org_bindings: SqlOrgBindingRepository
    conversations: SqlConversationRepository
    teams_cards: SqlTeamsCardRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession], key: TimelineKey) -> None:
        self._sessions = sessions
        self.key = key
        self._read_only = False
        self._fire: tuple[Deadline, datetime] | None = None

    def fire_on_commit(self, deadline: Deadline, now: datetime) -> None:
        """Mark this firing's deadline fired at `now` when the unit of work commits, if it is
        still pending (its handler may have cancelled it): on PostgreSQL in the same statement
        as its incident's timeline rows, which saves the firing a round trip."""
        self._fire = (deadline, now)

    def read_only(self) -> SqlUnitOfWork:
        self._read_only = True
        return self

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._sessions()
        if self._read_only and self._dialect() == "postgresql":
            # read committed gives each statement its own snapshot, in a transaction or not
            await self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        self.incidents = SqlIncidentRepository(self.session, self.key)
        self.timeline = SqlTimelineRepository(self.session)
        self.channels = SqlChannelRepository(self.session)
        self.invites = SqlInviteRepository(self.session)
        self.messages = SqlMessageRepository(self.session)
        self.requests = SqlRequestLog(self.session)
        self.assessments = SqlAssessmentRepository(self.session)
        self.deadlines = SqlDeadlineRepository(self.session, self.incidents.none_pending)
        self.checklist = SqlChecklistRepository(self.session)
        self.lessons = SqlLessonsRepository(self.session)
        self.engagements = SqlEngagementRepository(self.session)
        self.heads = SqlHeadRepository(self.session)
        self.org_bindings = SqlOrgBindingRepository(self.session)
        self.conversations = SqlConversationRepository(self.session)
        self.teams_cards = SqlTeamsCardRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work is never committed")
        try:
            for incident in list(self.incidents.seen.values()):
                await self._persist(incident)
            if self._fire is not None:  # not marked with its incident's change
                deadline, now = self._fire
                with contextlib.suppress(DeadlineNotPending):
                    await self.deadlines.mark_fired(deadline, now)
                self._fire = None
            await self.session.commit()
        except IntegrityError as exc:
            await self.session.rollback()
            raise ConcurrencyConflict(
                "Someone else changed this incident at the same moment; try again."
            ) from exc
        commits.set(commits.get() + 1)
        for incident in self.incidents.seen.values():
            incident.pending_events.clear()
        self.incidents.new.clear()

    async def _persist(self, incident: Incident) -> None:
        is_new = incident.id in self.incidents.new
        if is_new:
            # inserted by the repository; bring the row up to date with changes made since
            await self.session.execute(
                update(IncidentRow)
                .where(IncidentRow.id == incident.id)
                .values(**incident_values(incident))
            )
        elif not incident.pending_events:
            return
        seq, prev = await self._chain_head(incident, is_new)
        rows = []
        for pending in incident.pending_events:
            seq += 1
            safe = type(pending)(
                kind=pending.kind,
                actor_id=pending.actor_id,
                actor_name=pending.actor_name,
                organisation=pending.organisation,
                at=pending.at,
                data=_json_safe(pending.data),
            )
            event = chain(self.key, incident.id, seq, safe, prev)
            prev = event.hash
            rows.append(
                {
                    "incident_id": event.incident_id,
                    "seq": event.seq,
                    "kind": event.kind,
                    "actor_id": event.actor_id,
                    "actor_name": event.actor_name,
                    "organisation": event.organisation,
                    "at": event.at,
                    "data": event.data,
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                }
            )
        binding = Binding(str(incident.reference), incident.council_id, incident.provider_ids)
        head = seal(self.key, incident.id, binding, seq, prev)
        if not is_new and self._dialect() == "postgresql":
            await self._persist_in_one(incident, rows, head)
            return
        if not is_new:
            stmt, params = statements.update_incident_if_version(
                incident.id, incident.version, incident_values(incident)
            )
            result = await self.session.execute(stmt, params)
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise _changed_meanwhile(incident)
            incident.version += 1
        if rows:
            await self.session.execute(statements.insert_events(), rows)
        await self.heads.put(head)

    async def _persist_in_one(
        self, incident: Incident, rows: list[dict[str, Any]], head: Head
    ) -> None:
        """The version-checked update, its events and its chain head in one statement."""
        values = incident_values(incident)
        params: dict[str, object] = {f"b_{k}": v for k, v in values.items()}
        params |= {"b_id": incident.id, "b_version": incident.version}
        params["b_new_version"] = incident.version + 1
        params |= {
            "b_head_reference": head.binding.reference,
            "b_head_council_id": head.binding.council_id,
            "b_head_provider_ids": list(head.binding.provider_ids),
            "b_head_seq": head.seq,
            "b_head_event_mac": head.event_mac,
            "b_head_mac": head.mac,
        }
        for i, row in enumerate(rows):
            params |= {f"b_e{i}_{k}": v for k, v in row.items()}
        fire = self._fire if self._fire and self._fire[0].incident_id == incident.id else None
        if fire is not None:
            params |= {"b_fired_id": fire[0].id, "b_fired_at": fire[1]}
        stmt = statements.persist_on_postgresql(tuple(values), len(rows), fire is not None)
        found = (await self.session.execute(stmt, params)).first()
        if found is None:
            raise _changed_meanwhile(incident)  # the rollback takes the CTEs' rows back
        incident.version += 1
        if fire is not None:
            self._fire = None
            if found[1]:
                fire[0].state, fire[0].fired_at = DeadlineState.FIRED, fire[1]

    def _dialect(self) -> str:
        return dialect_of(self.session)

    async def _chain_head(self, incident: Incident, is_new: bool) -> tuple[int, str]:
        """Where the chain goes on: the keyed head, never the last row found. Extending from
        the rows would seal over events deleted at the end; so a head that is missing (for an
        incident that is not new) or forged refuses the write instead."""
        head = self.incidents.known_heads.pop(incident.id, None)  # read with its locked row
        if head is None:
            head = await self.heads.get(incident.id)
        if head is None:
            if is_new:
                return 0, GENESIS_HASH
            raise RecordTampered(
                f"The record of {incident.reference} fails its integrity check (its chain head "
                "is missing); nothing was changed. Ask MHCLG to run verify-timeline."
            )
        if not head_is_genuine(self.key, head):
            raise RecordTampered(
                f"The record of {incident.reference} fails its integrity check (its chain head "
                "does not match its MAC); nothing was changed. Ask MHCLG to run verify-timeline."
            )
        return head.seq, head.event_mac


def _changed_meanwhile(incident: Incident) -> ConcurrencyConflict:
    return ConcurrencyConflict(
        f"{incident.reference} was changed by someone else at the same moment; try again."
    )


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine, key: TimelineKey) -> None:
        self.engine = engine
        self.key = key
        self._sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        if engine.dialect.name == "sqlite":  # one writer: taken in turn (storage.writer_gate)
            gate = writer_gate(engine)
            self._sessions = async_sessionmaker(
                engine, expire_on_commit=False, class_=GatedSession, gate=gate
            )

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self.key)
