"""Every kind of timeline event, and the typed payload each one carries.

The timeline stores an event's kind as a string and its payload as JSON. Written and read as
literals, a misspelt kind or key was a silent `None` in a report; here each kind is an
`EventKind` and each payload a frozen dataclass, so the writer builds `ContactRecorded(...)`
(a misspelt or missing key is a type error) and the reader gets the same class back with
`ContactRecorded.read(event)` (a misspelt attribute is a type error, the wrong kind a
`WrongKind`).

The stored JSON is exactly what the untyped code wrote (bot.domain.json_payload says how
fields map to keys, and how a field an older record lacks reads): a test
(tests/unit/test_timelines_written_before.py) reads timelines written before this module
existed and checks each payload turns back into the same JSON. A number a report shows is
`int | None`, so one an older record lacks shows as a gap rather than a 0.

To add a kind: one `EventKind` member, and one payload class below that names it in `kind`
(the registry is built from the subclasses; a test checks every kind has exactly one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self

from bot.domain.json_payload import JsonPayload, catalogue, omitted_if_none
from bot.domain.timeline import TimelineEvent


class EventKind(StrEnum):
    """As stored in `timeline_events.kind`; the values never change (the chain covers them)."""

    # the referral and the incident's own state
    REFERRAL_RECEIVED = "ReferralReceived"
    STATE_CHANGED = "StateChanged"
    MOU_STATUS_RECORDED = "MouStatusRecorded"
    MOU_OVERRIDDEN = "MouOverridden"
    RECOVERY_OPT_IN_RECORDED = "RecoveryOptInRecorded"
    PERSONAL_DATA_INVOLVED = "PersonalDataInvolved"
    MARKING_RAISED = "MarkingRaised"
    # the threshold check
    THRESHOLD_ASSESSED = "ThresholdAssessed"
    THRESHOLD_DECISION_RECORDED = "ThresholdDecisionRecorded"
    ACTIVATION_PROPOSED = "ActivationProposed"
    ACTIVATION_CONFIRMED = "ActivationConfirmed"
    INFORMATION_REQUESTED = "InformationRequested"
    # activation and the provider's contact
    PROVIDER_PAGED = "ProviderPaged"
    PROVIDER_INVITED = "ProviderInvited"
    PAGE_DELIVERED = "PageDelivered"
    ACTIVATION_EMAIL_SENT = "ActivationEmailSent"
    PAGE_ACKNOWLEDGED = "PageAcknowledged"
    CONTACT_RECORDED = "ContactRecorded"
    CONTACT_REMINDER_SENT = "ContactReminderSent"
    CONTACT_REMINDER_SKIPPED = "ContactReminderSkipped"
    ESCALATION_SENT = "EscalationSent"
    ESCALATION_RETRIED = "EscalationRetried"
    # reminders and follow-ups
    REVIEW_REMINDER_SENT = "ReviewReminderSent"
    INFORMATION_REMINDER_SENT = "InformationReminderSent"
    UPDATE_PROMPT_SENT = "UpdatePromptSent"
    ICO_REMINDER_SENT = "IcoReminderSent"
    LESSONS_REMINDER_SENT = "LessonsReminderSent"
    # the response
    STATUS_UPDATE_POSTED = "StatusUpdatePosted"
    NOTIFICATION_ITEM_UPDATED = "NotificationItemUpdated"
    NOTE_ADDED = "NoteAdded"
    LESSONS_REQUESTED = "LessonsRequested"
    LESSONS_SUBMITTED = "LessonsSubmitted"
    LESSONS_COLLECTION_CLOSED = "LessonsCollectionClosed"
    # the report
    REPORT_GENERATED = "ReportGenerated"
    REPORT_SHARED = "ReportShared"
    REPORT_DELIVERY_CHECKED = "ReportDeliveryChecked"
    # channels, invitations and workspaces
    CHANNEL_OPENED = "ChannelOpened"
    CHANNEL_CREATION_FAILED = "ChannelCreationFailed"
    INVITATION_UPDATED = "InvitationUpdated"
    MESSAGE_REFUSED = "MessageRefused"
    SLACK_TEAM_LEARNT = "SlackTeamLearnt"
    SLACK_TEAM_NOT_LEARNT = "SlackTeamNotLearnt"
    SLACK_TEAM_CONFIRMED = "SlackTeamConfirmed"
    SLACK_TEAM_REJECTED = "SlackTeamRejected"
    # access
    ACTION_REFUSED = "ActionRefused"
    # retention
    PERSONAL_DATA_PURGED = "PersonalDataPurged"


class WrongKind(ValueError):
    """An event was read as a payload of another kind: a bug in the reader, said loudly."""


# One delivery attempt as the firing code records it (route, recipient_kind, recipient, ok,
# error); its shape belongs to bot.usecases.firing.
Delivery = Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class Payload(JsonPayload):
    """The base of every event's payload: `data()` is the stored JSON, `read()` the way back."""

    kind: ClassVar[EventKind]

    @classmethod
    def read(cls, event: TimelineEvent) -> Self:
        """This event's payload; WrongKind if the event is of another kind."""
        if event.kind != cls.kind:
            raise WrongKind(f"event {event.seq} is a {event.kind}, not a {cls.kind}")
        return cls.from_data(event.data)


# -- the referral and the incident's own state ---------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ReferralReceived(Payload):
    kind = EventKind.REFERRAL_RECEIVED
    reference: str
    council_id: str
    description: str
    detected_at: str  # ISO 8601
    services_affected: str
    attacker_active: str
    contact_name: str
    contact_email: str
    contact_phone: str
    ncsc_reference: str
    bodies_told: tuple[str, ...]
    personal_data_involved: bool


@dataclass(frozen=True, kw_only=True)
class StateChanged(Payload):
    kind = EventKind.STATE_CHANGED
    from_state: str
    to_state: str
    ending: str | None = omitted_if_none()  # withdrawn or closed, and how
    reason: str | None = omitted_if_none()
    recipient: str | None = omitted_if_none()  # report issued: to whom first
    summary: str | None = omitted_if_none()  # what was done in the phase that ended
    choice: str | None = omitted_if_none()  # activated: the providers chosen how


@dataclass(frozen=True, kw_only=True)
class MouStatusRecorded(Payload):
    kind = EventKind.MOU_STATUS_RECORDED
    status: str


@dataclass(frozen=True, kw_only=True)
class MouOverridden(Payload):
    kind = EventKind.MOU_OVERRIDDEN
    reason: str


@dataclass(frozen=True, kw_only=True)
class RecoveryOptInRecorded(Payload):
    kind = EventKind.RECOVERY_OPT_IN_RECORDED


@dataclass(frozen=True, kw_only=True)
class PersonalDataInvolved(Payload):
    kind = EventKind.PERSONAL_DATA_INVOLVED
    source: str


@dataclass(frozen=True, kw_only=True)
class MarkingRaised(Payload):
    kind = EventKind.MARKING_RAISED
    from_marking: str
    to_marking: str
    reason: str


# -- the threshold check -------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ThresholdAssessed(Payload):
    kind = EventKind.THRESHOLD_ASSESSED
    assessment_id: str
    answers: dict[str, list[str]]  # question id -> option ids chosen
    recommendation: str
    summary: str
    missing: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ThresholdDecisionRecorded(Payload):
    kind = EventKind.THRESHOLD_DECISION_RECORDED
    assessment_id: str
    decision: str
    recommendation: str
    rationale: str
    differs_from_recommendation: bool


@dataclass(frozen=True, kw_only=True)
class ActivationProposed(ThresholdDecisionRecorded):
    """A decision to activate, awaiting a second assessor (four eyes)."""

    kind = EventKind.ACTIVATION_PROPOSED


@dataclass(frozen=True, kw_only=True)
class ActivationConfirmed(Payload):
    kind = EventKind.ACTIVATION_CONFIRMED
    assessment_id: str


@dataclass(frozen=True, kw_only=True)
class InformationRequested(Payload):
    kind = EventKind.INFORMATION_REQUESTED
    missing: str


# -- activation and the provider's contact -------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ProviderPaged(Payload):
    kind = EventKind.PROVIDER_PAGED
    provider_ids: tuple[str, ...]
    notified_at: str  # ISO 8601: the contract's clock starts here
    deadline_at: str  # ISO 8601


@dataclass(frozen=True, kw_only=True)
class ProviderInvited(Payload):
    kind = EventKind.PROVIDER_INVITED
    provider_id: str
    ok: bool
    error: str


@dataclass(frozen=True, kw_only=True)
class PageDelivered(Payload):
    kind = EventKind.PAGE_DELIVERED
    provider_id: str
    route: str
    ok: bool
    error: str
    deadline: str  # the contact deadline as the page said it (clock time)
    attempt: int
    gave_up: bool


@dataclass(frozen=True, kw_only=True)
class ActivationEmailSent(Payload):
    kind = EventKind.ACTIVATION_EMAIL_SENT
    to: str
    ok: bool
    error: str
    attempt: int
    gave_up: bool


@dataclass(frozen=True, kw_only=True)
class PageAcknowledged(Payload):
    kind = EventKind.PAGE_ACKNOWLEDGED
    provider_id: str
    minutes_since_page: float


@dataclass(frozen=True, kw_only=True)
class ContactRecorded(Payload):
    kind = EventKind.CONTACT_RECORDED
    provider_id: str
    contact_at: str  # ISO 8601: when contact was made, which may be before it was recorded
    method: str
    by: str  # the person's name
    notes: str
    minutes_to_contact: float | None
    met_deadline: bool | None
    deadline_at: str  # ISO 8601
    cancelled_deadlines: int


@dataclass(frozen=True, kw_only=True)
class ContactReminderSkipped(Payload):
    kind = EventKind.CONTACT_REMINDER_SKIPPED
    level: int | None  # None only in a record that did not say (so too below)
    step: int | None
    deadline_at: str  # ISO 8601
    reason: str


@dataclass(frozen=True, kw_only=True)
class ContactReminderSent(Payload):
    kind = EventKind.CONTACT_REMINDER_SENT
    level: int | None
    step: int | None
    deliveries: tuple[Delivery, ...]
    attempt: int
    gave_up: bool


@dataclass(frozen=True, kw_only=True)
class EscalationSent(Payload):
    kind = EventKind.ESCALATION_SENT
    level: int | None
    step: int | None
    deadline_at: str  # ISO 8601
    summary: str
    routes: tuple[Delivery, ...]
    attempt: int
    gave_up: bool
    # earlier levels' retries this level took over: each {"level", "key"}
    superseded: tuple[Mapping[str, Any], ...] | None = omitted_if_none()


@dataclass(frozen=True, kw_only=True)
class EscalationRetried(Payload):
    """An escalation's undelivered routes tried again on their own (firing.retries)."""

    kind = EventKind.ESCALATION_RETRIED
    level: int | None
    step: int | None
    deadline_at: str  # ISO 8601
    routes: tuple[Delivery, ...]
    attempt: int
    retry: int


# -- reminders and follow-ups --------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ReviewReminderSent(Payload):
    kind = EventKind.REVIEW_REMINDER_SENT
    assessor: str
    deliveries: tuple[Delivery, ...]
    attempt: int
    gave_up: bool
    review: int


@dataclass(frozen=True, kw_only=True)
class InformationReminderSent(Payload):
    kind = EventKind.INFORMATION_REMINDER_SENT
    assessor: str
    missing: str
    deliveries: tuple[Delivery, ...]
    attempt: int
    gave_up: bool


@dataclass(frozen=True, kw_only=True)
class UpdatePromptSent(Payload):
    kind = EventKind.UPDATE_PROMPT_SENT
    deliveries: tuple[Delivery, ...]
    attempt: int
    gave_up: bool


@dataclass(frozen=True, kw_only=True)
class IcoReminderSent(Payload):
    kind = EventKind.ICO_REMINDER_SENT
    hours: int | None
    ico_deadline: str  # ISO 8601
    deliveries: tuple[Delivery, ...]
    attempt: int
    gave_up: bool


@dataclass(frozen=True, kw_only=True)
class LessonsReminderSent(Payload):
    kind = EventKind.LESSONS_REMINDER_SENT
    organisations: tuple[str, ...]
    working_days: int | None
    deliveries: tuple[Delivery, ...]
    attempt: int
    gave_up: bool


# -- the response --------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class StatusUpdatePosted(Payload):
    kind = EventKind.STATUS_UPDATE_POSTED
    what_changed: str
    impact: str
    next_steps: str


@dataclass(frozen=True, kw_only=True)
class NotificationItemUpdated(Payload):
    kind = EventKind.NOTIFICATION_ITEM_UPDATED
    item: str
    status: str
    reference: str
    done_at: str  # ISO 8601, or "" when not known
    reason: str


@dataclass(frozen=True, kw_only=True)
class NoteAdded(Payload):
    kind = EventKind.NOTE_ADDED
    text: str
    source: str


@dataclass(frozen=True, kw_only=True)
class LessonsRequested(Payload):
    kind = EventKind.LESSONS_REQUESTED
    organisations: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class LessonsSubmitted(Payload):
    kind = EventKind.LESSONS_SUBMITTED
    organisation: str
    answers: dict[str, str]  # question id -> answer
    recommendations: tuple[Mapping[str, str], ...]  # each {"text", "owner"}


@dataclass(frozen=True, kw_only=True)
class LessonsCollectionClosed(Payload):
    kind = EventKind.LESSONS_COLLECTION_CLOSED


# -- the report ----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ReportGenerated(Payload):
    kind = EventKind.REPORT_GENERATED
    version: int | None  # None only in a record older than versions
    sha256: str
    markdown_sha256: str
    url: str
    generated_at: str | None  # ISO 8601; None before reports were sent as files
    through_seq: int | None  # the last event it was built from; None likewise
    state: str
    marking: str


@dataclass(frozen=True, kw_only=True)
class ReportShared(Payload):
    kind = EventKind.REPORT_SHARED
    recipient: str
    to: str
    route: str
    by: str  # the sharer's user id
    version: int | None
    format: str
    filename: str
    sha256: str
    bytes: int
    notification_id: str
    ok: bool | None  # None only in a record that did not say
    error: str


@dataclass(frozen=True, kw_only=True)
class ReportDeliveryChecked(Payload):
    kind = EventKind.REPORT_DELIVERY_CHECKED
    notification_id: str
    recipient: str
    to: str
    version: int | None
    format: str | None
    state: str
    detail: str
    check: int


# -- channels, invitations and workspaces --------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ChannelOpened(Payload):
    kind = EventKind.CHANNEL_OPENED
    platform: str
    channel: str


@dataclass(frozen=True, kw_only=True)
class ChannelCreationFailed(Payload):
    kind = EventKind.CHANNEL_CREATION_FAILED
    platform: str
    error: str


@dataclass(frozen=True, kw_only=True)
class InvitationUpdated(Payload):
    kind = EventKind.INVITATION_UPDATED
    platform: str
    organisation: str  # "kind:id"
    status: str
    error: str


@dataclass(frozen=True, kw_only=True)
class MessageRefused(Payload):
    kind = EventKind.MESSAGE_REFUSED
    platform: str
    what: str
    error: str


@dataclass(frozen=True, kw_only=True)
class SlackTeamLearnt(Payload):
    kind = EventKind.SLACK_TEAM_LEARNT
    platform: str
    team_id: str
    council: str
    accepted_by: str


@dataclass(frozen=True, kw_only=True)
class SlackTeamNotLearnt(Payload):
    kind = EventKind.SLACK_TEAM_NOT_LEARNT
    team_id: str
    council: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class SlackTeamConfirmed(Payload):
    kind = EventKind.SLACK_TEAM_CONFIRMED
    platform: str
    team_id: str
    council: str


@dataclass(frozen=True, kw_only=True)
class SlackTeamRejected(SlackTeamConfirmed):
    kind = EventKind.SLACK_TEAM_REJECTED


# -- access --------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ActionRefused(Payload):
    kind = EventKind.ACTION_REFUSED
    action: str
    count: int
    earlier_repeats: int


# -- retention -----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class PersonalDataPurged(Payload):
    """The purge record (bot.domain.purge): what was redacted, vouched for by the MACs."""

    kind = EventKind.PERSONAL_DATA_PURGED
    closed_at: str  # ISO 8601
    kept_for: str  # the retention period, as configured
    redacted: tuple[Mapping[str, Any], ...]  # each {"seq", "hash", "redacted"}


PAYLOADS: Mapping[EventKind, type[Payload]] = catalogue(Payload)


def payload_of(event: TimelineEvent) -> Payload | None:
    """The typed payload of any event; None only for a kind this code does not know."""
    return parse(event.kind, event.data)


_BY_VALUE: Mapping[str, type[Payload]] = {kind.value: cls for kind, cls in PAYLOADS.items()}


def parse(kind: str, data: Mapping[str, Any]) -> Payload | None:
    """`data` stored under `kind` as its typed payload; None for a kind this code does not know."""
    cls = _BY_VALUE.get(kind)
    return cls.from_data(data) if cls is not None else None
