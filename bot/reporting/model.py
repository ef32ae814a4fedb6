"""The post-incident report as plain data, built from one incident's hash-chained timeline.

Building it from the record rather than from live tables means the report says exactly what the
audit trail says: anything in the report can be traced to an attributable, tamper-evident event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.incident import Incident
from bot.domain.report_shares import SHARED, ShareState, share_statuses
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from bot.policy.model import Council
from bot.policy.questionnaire import Questionnaire
from bot.reporting.sentences import (
    NOTIFICATION_LABELS,
    OrgNames,
    describe,
    escalation_routes,
    format_name,
    parse_time,
    share_route,
    state_label,
    text,
)

LESSON_QUESTIONS = {
    "what_happened": "What happened, and when",
    "went_well": "What went well",
    "hindered": "What hindered the response or recovery",
    "info_sooner": "What information was needed sooner",
    "differently": "What we would do differently",
}


class ForeignRecordError(ValueError):
    """An event of another incident reached the report; refusing keeps councils' data apart."""


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


def build_report(
    incident: Incident,
    council: Council,
    events: Sequence[TimelineEvent],
    *,
    generated_at: datetime,
    questionnaire: Questionnaire | None = None,
    provider_names: Mapping[str, str] | None = None,
) -> Report:
    """`events` must be this incident's timeline in seq order; anything else is refused."""
    if council.id != incident.council_id:
        raise ForeignRecordError(
            f"{incident.reference} belongs to {incident.council_id}, not {council.id}."
        )
    for event in events:
        if event.incident_id != incident.id:
            raise ForeignRecordError(
                f"Event {event.seq} ({event.kind}) belongs to another incident; "
                f"the report for {incident.reference} takes only its own record."
            )
    events = sorted(events, key=lambda e: e.seq)
    names = OrgNames(council, provider_names or {})
    by_kind: dict[str, list[TimelineEvent]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    lessons = _latest_lessons(by_kind)
    return Report(
        header=Header(
            reference=str(incident.reference),
            council_id=council.id,
            council_name=council.name,
            marking=incident.marking.value,
            generated_at=generated_at,
            state=incident.state.label,
            opened_at=incident.opened_at,
        ),
        nature_and_impact=_nature(incident, by_kind, questionnaire),
        threshold=_threshold(incident, by_kind),
        contact=_contact(by_kind, names, generated_at),
        phases=_phases(incident, by_kind),
        notifications=_notifications(by_kind),
        timeline=tuple(
            TimelineRow(e.seq, e.at, e.actor_name, names(e.organisation), describe(e, names))
            for e in events
        ),
        lessons=tuple(_lessons(e, names) for e in lessons),
        recommendations=tuple(
            Recommendation(text(r, "text"), text(r, "owner"), names(_lesson_org(e)))
            for e in lessons
            for r in e.data.get("recommendations") or ()
            if isinstance(r, dict) and text(r, "text")
        ),
        shares=_shares(events, names),
    )


_SHARE_WORDS = {
    ShareState.SENDING: "sent (delivery not confirmed)",
    ShareState.DELIVERED: "delivered",
    ShareState.FAILED: "NOT delivered",
    ShareState.NOT_SENT: "NOT sent",
    ShareState.UNCONFIRMED: "delivery never confirmed",
}


def _shares(events: Sequence[TimelineEvent], names: OrgNames) -> tuple[Share, ...]:
    """Each email of the report, with what GOV.UK Notify later said became of it."""
    shared = [e for e in events if e.kind == SHARED]
    rows = []
    for event, status in zip(shared, share_statuses(events), strict=True):
        kind = format_name(text(event.data, "format"))
        failed = status.state in (ShareState.FAILED, ShareState.NOT_SENT)
        words = _SHARE_WORDS[status.state]
        rows.append(
            Share(
                event.at,
                names.recipient(status.recipient),
                share_route(text(event.data, "route")),
                event.actor_name,
                delivered=status.state is ShareState.DELIVERED,
                error=status.detail if failed else "",
                to=status.to,
                version=f"{status.version} ({kind})" if status.version else "",
                status=f"{words}: {status.detail}" if failed and status.detail else words,
            )
        )
    return tuple(rows)


Events = Mapping[str, list[TimelineEvent]]


def _last(by_kind: Events, *kinds: str) -> TimelineEvent | None:
    found = [e for k in kinds for e in by_kind.get(k, ())]
    return max(found, key=lambda e: e.seq) if found else None


def _by(event: TimelineEvent) -> str:
    return text(event.data, "by") or event.actor_name


def _nature(
    incident: Incident, by_kind: Events, questionnaire: Questionnaire | None
) -> NatureAndImpact:
    referral = incident.referral
    opened = _last(by_kind, "ReferralReceived")
    data = opened.data if opened else referral.as_dict()
    assessed = _last(by_kind, "ThresholdAssessed")
    answers = (assessed.data.get("answers") if assessed else None) or {}
    return NatureAndImpact(
        description=text(data, "description"),
        detected_at=parse_time(data.get("detected_at")),
        referred_at=opened.at if opened else incident.opened_at,
        services_affected=text(data, "services_affected"),
        attacker_active=text(data, "attacker_active"),
        personal_data_involved=bool(data.get("personal_data_involved")),
        ncsc_reference=text(data, "ncsc_reference"),
        bodies_told=tuple(str(b) for b in data.get("bodies_told") or ()),
        assessment_summary=text(assessed.data, "summary") if assessed else "",
        answers=tuple(
            _answer(str(q), chosen, questionnaire)
            for q, chosen in (answers.items() if isinstance(answers, dict) else ())
        ),
    )


def _answer(question_id: str, chosen: Any, questionnaire: Questionnaire | None) -> Answer:
    ids = [str(c) for c in chosen] if isinstance(chosen, list | tuple) else [str(chosen)]
    if questionnaire is None or not questionnaire.has_question(question_id):
        return Answer(question_id, ", ".join(ids))
    question = questionnaire.question(question_id)
    labels = [question.option(i).label if question.has_option(i) else i for i in ids]
    return Answer(question.label, ", ".join(labels))


def _threshold(incident: Incident, by_kind: Events) -> Threshold:
    decided = _last(by_kind, "ThresholdDecisionRecorded", "ActivationProposed")
    assessed = _last(by_kind, "ThresholdAssessed")
    four_eyes = decided is not None and decided.kind == "ActivationProposed"
    confirmed = None
    if decided is not None and four_eyes:
        wanted = decided.data.get("assessment_id")
        confirmed = next(
            (
                e
                for e in by_kind.get("ActivationConfirmed", ())
                if e.seq > decided.seq and e.data.get("assessment_id") == wanted
            ),
            None,
        )
    source = decided.data if decided else (assessed.data if assessed else {})
    mou = _last(by_kind, "MouStatusRecorded")
    override = _last(by_kind, "MouOverridden")
    return Threshold(
        recommendation=text(source, "recommendation"),
        decision=text(decided.data, "decision") if decided else "",
        rationale=text(decided.data, "rationale") if decided else "",
        differs_from_recommendation=bool(
            decided and decided.data.get("differs_from_recommendation")
        ),
        decided_by=decided.actor_name if decided else "",
        decided_at=decided.at if decided else None,
        four_eyes=four_eyes,
        confirmed_by=confirmed.actor_name if confirmed else "",
        confirmed_at=confirmed.at if confirmed else None,
        mou_status=text(mou.data, "status") if mou else incident.mou_status.value,
        mou_override_reason=text(override.data, "reason") if override else "",
    )


def _contact(by_kind: Events, names: OrgNames, now: datetime) -> Contact:
    """The contract's clock runs from the first page; the first contact recorded stops it."""
    pages = by_kind.get("ProviderPaged", [])
    first = pages[0] if pages else None
    notified = (parse_time(first.data.get("notified_at")) or first.at) if first else None
    deadline = parse_time(first.data.get("deadline_at")) if first else None
    contacts = [
        (parse_time(e.data.get("contact_at")) or e.at, e)
        for e in by_kind.get("ContactRecorded", [])
    ]
    made = min(contacts, key=lambda c: c[0]) if contacts else None
    contact_at = made[0] if made else None
    minutes = (contact_at - notified).total_seconds() / 60 if contact_at and notified else None
    met: bool | None = None
    if deadline is not None:
        if contact_at is not None:
            met = contact_at <= deadline
        elif now > deadline:
            met = False
    providers = tuple(
        dict.fromkeys(str(p) for e in pages for p in e.data.get("provider_ids") or ())
    )
    return Contact(
        providers=tuple(names.provider(p) for p in providers),
        notified_at=notified,
        deadline_at=deadline,
        contact_at=contact_at,
        contact_recorded_at=made[1].at if made else None,
        contact_by=_by(made[1]) if made else "",
        method=text(made[1].data, "method").replace("_", " ") if made else "",
        minutes_to_contact=round(minutes, 1) if minutes is not None else None,
        met_deadline=met,
        reminders=tuple(_step(e) for e in by_kind.get("ContactReminderSent", [])),
        escalations=tuple(_step(e) for e in by_kind.get("EscalationSent", [])),
    )


def _step(event: TimelineEvent) -> LadderStep:
    level = event.data.get("level")
    detail = escalation_routes(event.data) if event.kind == "EscalationSent" else "the provider"
    return LadderStep(event.at, level if isinstance(level, int) else 0, detail)


def _phases(incident: Incident, by_kind: Events) -> tuple[Phase, ...]:
    """Each state the incident entered, until the next change; the last one has no end yet."""
    opened = _last(by_kind, "ReferralReceived")
    changes = by_kind.get("StateChanged", [])
    entered = [
        (
            State.REFERRAL_RECEIVED.value,
            opened.at if opened else incident.opened_at,
            opened.actor_name if opened else "",
            "",
        )
    ] + [(text(e.data, "to_state"), e.at, e.actor_name, text(e.data, "reason")) for e in changes]
    ends: list[datetime | None] = [e.at for e in changes] + [None]
    done = [text(e.data, "summary") for e in changes] + [""]
    return tuple(
        Phase(state, state_label(state), start, end, end - start if end else None, who, why, what)
        for (state, start, who, why), end, what in zip(entered, ends, done, strict=True)
    )


def _notifications(by_kind: Events) -> tuple[Notification, ...]:
    latest: dict[str, TimelineEvent] = {}
    for event in by_kind.get("NotificationItemUpdated", []):
        latest[text(event.data, "item")] = event
    items = list(NOTIFICATION_LABELS) + [i for i in latest if i not in NOTIFICATION_LABELS]
    rows = []
    for item in items:
        found = latest.get(item)
        data = found.data if found else {}
        rows.append(
            Notification(
                item=item,
                label=NOTIFICATION_LABELS.get(item, item),
                status=text(data, "status").replace("_", " ") or "outstanding",
                reference=text(data, "reference"),
                done_at=parse_time(data.get("done_at")),
                reason=text(data, "reason"),
                updated_by=found.actor_name if found else "",
                updated_at=found.at if found else None,
            )
        )
    return tuple(rows)


def _lesson_org(event: TimelineEvent) -> str:
    return text(event.data, "organisation") or event.organisation


def _latest_lessons(by_kind: Events) -> list[TimelineEvent]:
    """A resubmission replaces the organisation's earlier answers; order of first submission."""
    latest: dict[str, TimelineEvent] = {}
    for event in by_kind.get("LessonsSubmitted", []):
        latest[_lesson_org(event)] = event
    return list(latest.values())


def _lessons(event: TimelineEvent, names: OrgNames) -> Lessons:
    answers = event.data.get("answers")
    return Lessons(
        organisation=names(_lesson_org(event)),
        submitted_by=event.actor_name,
        at=event.at,
        answers=tuple(
            Answer(LESSON_QUESTIONS.get(str(k), str(k)), str(v))
            for k, v in (answers.items() if isinstance(answers, dict) else ())
            if str(v).strip()
        ),
    )
