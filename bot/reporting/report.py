"""The post-incident report as plain data: what each section says, with no formatting.

Built from the timeline by `bot.reporting.model.build_report`, one file per section; rendered by
`bot.reporting.outline` (Markdown and PDF share the outline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Header:
    reference: str
    council_id: str
    council_name: str
    marking: str
    generated_at: datetime
    state: str
    opened_at: datetime


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str


@dataclass(frozen=True)
class NatureAndImpact:
    description: str
    detected_at: datetime | None
    referred_at: datetime
    services_affected: str
    attacker_active: str
    personal_data_involved: bool
    ncsc_reference: str
    bodies_told: tuple[str, ...]
    assessment_summary: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Threshold:
    recommendation: str
    decision: str
    rationale: str
    differs_from_recommendation: bool
    decided_by: str
    decided_at: datetime | None
    four_eyes: bool
    confirmed_by: str
    confirmed_at: datetime | None
    mou_status: str
    mou_override_reason: str


@dataclass(frozen=True)
class LadderStep:
    at: datetime
    level: int
    detail: str


@dataclass(frozen=True)
class Contact:
    providers: tuple[str, ...]
    notified_at: datetime | None
    deadline_at: datetime | None
    contact_at: datetime | None
    contact_recorded_at: datetime | None  # when it was recorded: contact_at may be earlier
    contact_by: str
    method: str
    minutes_to_contact: float | None
    met_deadline: bool | None  # None: nobody was paged, or the deadline has not yet passed
    reminders: tuple[LadderStep, ...]
    escalations: tuple[LadderStep, ...]


@dataclass(frozen=True)
class Phase:
    state: str
    label: str
    start: datetime
    end: datetime | None
    duration: timedelta | None
    entered_by: str
    reason: str
    summary: str  # what was done in the phase, given when it ended


@dataclass(frozen=True)
class Notification:
    item: str
    label: str
    status: str
    reference: str
    done_at: datetime | None
    reason: str
    updated_by: str
    updated_at: datetime | None


@dataclass(frozen=True)
class TimelineRow:
    seq: int
    at: datetime
    who: str
    organisation: str
    what: str


@dataclass(frozen=True)
class Lessons:
    organisation: str
    submitted_by: str
    at: datetime
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Recommendation:
    text: str
    owner: str
    organisation: str


@dataclass(frozen=True)
class Share:
    at: datetime
    recipient: str  # as written: "NCSC", the council's name
    route: str
    by: str
    delivered: bool  # GOV.UK Notify confirmed delivery
    error: str  # why it was not sent or not delivered
    to: str = ""
    version: str = ""  # "1 (PDF)"
    status: str = ""  # in words: delivered, sent (delivery not confirmed), FAILED: ...


@dataclass(frozen=True)
class Report:
    header: Header
    nature_and_impact: NatureAndImpact
    threshold: Threshold
    contact: Contact
    phases: tuple[Phase, ...]
    notifications: tuple[Notification, ...]
    timeline: tuple[TimelineRow, ...]
    lessons: tuple[Lessons, ...]
    recommendations: tuple[Recommendation, ...]
    shares: tuple[Share, ...]
