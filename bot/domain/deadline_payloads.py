"""What each kind of deadline row carries for its firing, typed.

A deadline's payload is JSON in its row (`deadlines.payload`): what the firing needs without
re-reading the policy or the incident, plus two keys the store itself adds as evidence (when
a row was first due, if a failed firing moved it; when a handler decided not to send). Each
`DeadlineKind` has a payload class here, so the writer builds `ContactStepDue(...)` and the
firing reads `ContactStepDue.of(deadline)`, and a misspelt key is a type error on both sides;
`Deadline.payload` stays the stored dict, exactly as before (tests/unit/test_deadline_payloads.py
checks payloads written before these classes existed come back key for key).

To add a deadline kind: one `DeadlineKind` member (bot.domain.deadlines) and one payload class
below that names it in `kind` (a test checks every kind has exactly one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar, Self

from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.json_payload import JsonPayload, catalogue, omitted_if_none


class WrongDeadline(ValueError):
    """A deadline was read as a payload of another kind: a bug in the firing, said loudly."""


# The store's own evidence, kept in the payload of any row; the one place these keys are named.
_FIRST_DUE_AT = "first_due_at"
_CANCELLED_AT = "cancelled_at"


@dataclass(frozen=True, kw_only=True)
class DeadlinePayload(JsonPayload):
    """The base of every deadline's payload, with the store's evidence (never set by writers)."""

    kind: ClassVar[DeadlineKind]
    first_due_at: str | None = omitted_if_none()  # ISO 8601: set once, by a failed firing
    cancelled_at: str | None = omitted_if_none()  # ISO 8601: a handler decided not to send

    @classmethod
    def of(cls, deadline: Deadline) -> Self:
        """This deadline's payload; WrongDeadline if the deadline is of another kind."""
        if deadline.kind is not cls.kind:
            raise WrongDeadline(f"deadline {deadline.id} is a {deadline.kind}, not a {cls.kind}")
        return cls.from_data(deadline.payload)

    def data(self) -> dict[str, Any]:
        """As stored: the kind's own keys first, the store's evidence after (as it was added)."""
        own = super().data()
        evidence = {k: own.pop(k) for k in (_FIRST_DUE_AT, _CANCELLED_AT) if k in own}
        return own | evidence

    def for_next_level(self) -> Self:
        """The payload a repeat of this deadline starts with: the evidence is this row's own."""
        return replace(self, first_due_at=None, cancelled_at=None)


def first_due(payload: Mapping[str, Any], due_at: datetime) -> dict[str, Any]:
    """`payload` with when the row was first due, unless an earlier move already kept it. The
    store calls this on the row's JSON as it stands, so no key is ever dropped."""
    return (
        {**payload} if _FIRST_DUE_AT in payload else {**payload, _FIRST_DUE_AT: due_at.isoformat()}
    )


def cancelled(payload: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """`payload` with when a handler decided not to send, as evidence of the decision."""
    return {**payload, _CANCELLED_AT: at.isoformat()}


# -- activation ----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ProviderPageDue(DeadlinePayload):
    kind = DeadlineKind.PROVIDER_PAGE
    provider_id: str
    deadline_at: str  # ISO 8601: the contact deadline the page states
    # a page to Teams tried again as a new row: how many times it had failed before
    failures: int | None = omitted_if_none()


@dataclass(frozen=True, kw_only=True)
class ActivationEmailDue(DeadlinePayload):
    kind = DeadlineKind.ACTIVATION_EMAIL
    deadline_at: str  # ISO 8601


# -- the contact ladder --------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ContactStepDue(DeadlinePayload):
    """One step of the contact ladder, as the policy said when the provider was paged."""

    kind = DeadlineKind.CONTACT_REMINDER
    notify: tuple[str, ...] | None  # who to tell; None only in a row that did not say
    deadline_at: str  # ISO 8601: the contact deadline
    step: int | None  # the step's index in the ladder
    repeat_after: float | None = omitted_if_none()  # seconds; the last escalation repeats


@dataclass(frozen=True, kw_only=True)
class ContactEscalationDue(ContactStepDue):
    kind = DeadlineKind.CONTACT_ESCALATION


@dataclass(frozen=True, kw_only=True)
class EscalationRetryDue(ContactStepDue):
    """An escalation's undelivered routes, tried again on their own (bot.usecases.firing.retries
    writes these rows: its keys are these fields)."""

    kind = DeadlineKind.ESCALATION_RETRY
    retry_routes: tuple[str, ...]  # the route keys still owed
    retries: int | None  # how many times these routes have failed so far
    escalation_id: str  # the ladder row the retry belongs to


# -- the assessors' reminders --------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class InfoReminderDue(DeadlinePayload):
    """More information was asked of the council; the assessor is reminded to chase it."""

    kind = DeadlineKind.INFO_REMINDER
    assessor: str  # user id
    missing: str


@dataclass(frozen=True, kw_only=True)
class ReviewReminderDue(InfoReminderDue):
    """A monitored incident is due a review; repeats until it is closed or re-assessed."""

    kind = DeadlineKind.REVIEW_REMINDER
    repeat_after: float | None = omitted_if_none()  # seconds


# -- follow-ups ----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class IcoReminderDue(DeadlinePayload):
    kind = DeadlineKind.ICO_REMINDER
    hours: int | None  # after the council became aware; None only in a row that did not say
    ico_deadline: str  # ISO 8601


@dataclass(frozen=True, kw_only=True)
class UpdatePromptDue(DeadlinePayload):
    kind = DeadlineKind.UPDATE_PROMPT
    cadence_seconds: int | None  # None only in a row that did not say


@dataclass(frozen=True, kw_only=True)
class LessonsReminderDue(DeadlinePayload):
    kind = DeadlineKind.LESSONS_REMINDER
    working_days: int | None  # after closure


@dataclass(frozen=True, kw_only=True)
class ReportDeliveryCheckDue(DeadlinePayload):
    """Ask GOV.UK Notify what became of one shared report's email."""

    kind = DeadlineKind.REPORT_DELIVERY_CHECK
    notification_id: str
    recipient: str
    to: str
    shared_at: str  # ISO 8601
    version: int | None
    format: str | None


# -- service-wide ----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class MonthlyFiguresDue(DeadlinePayload):
    """Post a month's figures to MHCLG's triage channel (bot.domain.monthly_post)."""

    kind = DeadlineKind.MONTHLY_FIGURES
    month: str  # "2026-11": the month the figures are of


@dataclass(frozen=True, kw_only=True)
class RetentionPurgeDue(DeadlinePayload):
    """The day's purge of personal data past retention (bot.domain.daily_purge); once fired,
    `purged` lists the incidents it purged, whose cards are redrawn after the commit."""

    kind = DeadlineKind.RETENTION_PURGE
    day: str  # "2026-12-05": London's date the run is for
    purged: tuple[str, ...] | None = omitted_if_none()  # incident ids, set when it has run


DEADLINE_PAYLOADS: Mapping[DeadlineKind, type[DeadlinePayload]] = catalogue(DeadlinePayload)


def payload_of(deadline: Deadline) -> DeadlinePayload:
    """Any deadline's typed payload."""
    return DEADLINE_PAYLOADS[deadline.kind].from_data(deadline.payload)
