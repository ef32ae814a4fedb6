"""The unit of work and its repositories: what the core needs from storage.

Use cases take a UnitOfWork so they run the same against the real database and against fakes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from bot.domain.assessment import Assessment
from bot.domain.bindings import (
    ChannelBinding,
    Invite,
    MessagePurpose,
    Platform,
    PostedMessage,
)
from bot.domain.checklist import ChecklistItem
from bot.domain.conversations import ConversationRef
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.engagement import Engagement
from bot.domain.incident import Incident
from bot.domain.lessons import LessonsCollection, LessonsSubmission
from bot.domain.org_bindings import BindingStatus, TeamBinding
from bot.domain.reference import Reference
from bot.domain.teams_cards import TeamsCard
from bot.domain.timeline import TimelineEvent


class IncidentRepository(Protocol):
    async def add(self, incident: Incident) -> None: ...

    async def get(self, incident_id: str) -> Incident | None: ...

    async def get_for_update(self, incident_id: str) -> Incident | None: ...

    async def get_by_reference(self, reference: Reference) -> Incident | None: ...

    async def list_open(self) -> Sequence[Incident]: ...

    async def next_reference(self, year: int) -> Reference:
        """Allocate the next reference of `year`; gap-free because it commits with the incident."""
        ...


class TimelineRepository(Protocol):
    async def for_incident(self, incident_id: str) -> Sequence[TimelineEvent]: ...

    async def incident_ids(self) -> Sequence[str]: ...

    async def opened_between(
        self, start: datetime, end: datetime
    ) -> Sequence[tuple[Incident, Sequence[TimelineEvent]]]:
        """Incidents opened in [start, end) with their whole timelines, read in a fixed number
        of queries whatever their count (figures, App Home's headline)."""
        ...


class ChannelRepository(Protocol):
    async def save(self, binding: ChannelBinding) -> None: ...

    async def for_incident(self, incident_id: str, platform: Platform) -> ChannelBinding | None: ...

    async def by_channel(self, platform: Platform, channel_id: str) -> ChannelBinding | None: ...

    async def names_in_use(self, platform: Platform, prefix: str) -> set[str]: ...


class InviteRepository(Protocol):
    async def save(self, invite: Invite) -> None: ...

    async def for_incident(self, incident_id: str) -> Sequence[Invite]: ...

    async def by_invite_id(self, platform: Platform, invite_id: str) -> Invite | None: ...


class MessageRepository(Protocol):
    async def save(self, message: PostedMessage, now: datetime) -> None: ...

    async def get(
        self, incident_id: str, platform: Platform, purpose: MessagePurpose
    ) -> PostedMessage | None: ...

    async def for_incident(
        self, incident_id: str, platform: Platform
    ) -> dict[MessagePurpose, PostedMessage]:
        """Every kept-up-to-date message of the incident on the platform, in one read."""
        ...


class RequestLog(Protocol):
    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def remember(self, key: str, now: datetime, result: dict[str, Any]) -> None: ...

    async def update(self, key: str, result: dict[str, Any]) -> None: ...


class AssessmentRepository(Protocol):
    async def save(self, assessment: Assessment) -> None: ...

    async def get(self, assessment_id: str) -> Assessment | None: ...

    async def for_incident(self, incident_id: str) -> Sequence[Assessment]: ...


class DeadlineRepository(Protocol):
    async def add(self, deadline: Deadline) -> None: ...

    async def add_all(self, deadlines: Iterable[Deadline]) -> None: ...

    async def add_if_absent(self, deadline: Deadline) -> bool:
        """Insert unless its id exists; True if inserted (service-wide jobs, one id each)."""
        ...

    async def cancel_pending(
        self, incident_id: str, kinds: Collection[DeadlineKind] | None = None
    ) -> int: ...

    async def pending_for(self, incident_id: str) -> list[Deadline]: ...

    async def pending_of_kind(self, incident_id: str, kind: DeadlineKind) -> list[Deadline]:
        """The incident's pending deadlines of one kind, in `pending_for`'s order: a firing
        that only needs one kind (its ladder's retries) reads only those."""
        ...

    async def pending_for_incidents(
        self, incident_ids: Collection[str]
    ) -> dict[str, list[Deadline]]: ...

    async def mark_cancelled(self, deadline: Deadline, now: datetime) -> bool:
        """A firing's decision not to send (the incident moved on); False if already settled."""
        ...

    async def replace_payload(self, deadline: Deadline, payload: dict[str, Any]) -> bool:
        """A pending deadline's payload changed (a retry owes fewer routes); False if it was
        settled meanwhile."""
        ...


class EngagementRepository(Protocol):
    async def save(self, engagement: Engagement) -> None: ...

    async def get(self, incident_id: str, provider_id: str) -> Engagement | None: ...

    async def for_incident(self, incident_id: str) -> Sequence[Engagement]: ...


class ChecklistRepository(Protocol):
    async def for_incident(self, incident_id: str) -> list[ChecklistItem]: ...

    async def save(self, item: ChecklistItem) -> None: ...


class LessonsRepository(Protocol):
    async def collection(self, incident_id: str) -> LessonsCollection | None: ...

    async def save_collection(self, collection: LessonsCollection) -> None: ...

    async def submissions(self, incident_id: str) -> list[LessonsSubmission]: ...

    async def add_submission(self, submission: LessonsSubmission) -> None: ...


class OrgBindingRepository(Protocol):
    async def get(self, platform: Platform, team_id: str) -> TeamBinding | None: ...

    async def save(self, binding: TeamBinding) -> None: ...

    async def teams(self, platform: Platform, status: BindingStatus) -> dict[str, str]:
        """Workspaces in that status: team id -> organisation id."""
        ...


class ConversationRepository(Protocol):
    """Where the bot may post to an organisation on Teams unprompted (bot.domain.conversations)."""

    async def save(self, ref: ConversationRef) -> None: ...

    async def of_org(self, org_kind: str, org_id: str) -> ConversationRef | None:
        """The organisation's own conversation (a channel or group chat, not a personal chat)."""
        ...

    async def by_id(self, conversation_id: str) -> ConversationRef | None: ...


class TeamsCardRepository(Protocol):
    """The incident's card in each Teams conversation (bot.domain.teams_cards)."""

    async def save(self, card: TeamsCard) -> None: ...

    async def get(self, incident_id: str, conversation_id: str) -> TeamsCard | None: ...

    async def for_incident(self, incident_id: str) -> list[TeamsCard]: ...


class UnitOfWork(Protocol):
    """Repositories are read-only properties here so an implementation may expose subtypes."""

    @property
    def incidents(self) -> IncidentRepository: ...

    @property
    def timeline(self) -> TimelineRepository: ...

    @property
    def channels(self) -> ChannelRepository: ...

    @property
    def invites(self) -> InviteRepository: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def requests(self) -> RequestLog: ...

    @property
    def assessments(self) -> AssessmentRepository: ...

    @property
    def deadlines(self) -> DeadlineRepository: ...

    @property
    def checklist(self) -> ChecklistRepository: ...

    @property
    def lessons(self) -> LessonsRepository: ...

    @property
    def engagements(self) -> EngagementRepository: ...

    @property
    def org_bindings(self) -> OrgBindingRepository: ...

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def teams_cards(self) -> TeamsCardRepository: ...

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

    def read_only(self) -> UnitOfWork:
        """This unit of work only reads (it is never committed): where the database gives
        each statement its own snapshot anyway (PostgreSQL's read committed), no transaction
        is opened for it, which saves its BEGIN and ROLLBACK. Returns itself."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
