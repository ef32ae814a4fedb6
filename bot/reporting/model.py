"""The post-incident report as plain data, built from one incident's hash-chained timeline.

Building it from the record rather than from live tables means the report says exactly what the
audit trail says: anything in the report can be traced to an attributable, tamper-evident event.
Each section is built in its own module (bot/reporting/sections/) from the typed timeline
(bot/reporting/record.py); the report's shape is bot/reporting/report.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.domain.incident import Incident
from bot.domain.timeline import TimelineEvent
from bot.policy.model import Council
from bot.policy.questionnaire import Questionnaire
from bot.reporting.record import Record
from bot.reporting.report import Header, Report, TimelineRow
from bot.reporting.sections.contact import contact
from bot.reporting.sections.lessons import latest_lessons, lessons, recommendations
from bot.reporting.sections.nature import nature
from bot.reporting.sections.notifications import notifications
from bot.reporting.sections.phases import phases
from bot.reporting.sections.shares import shares
from bot.reporting.sections.threshold import threshold
from bot.reporting.sentences import say
from bot.reporting.words import OrgNames

__all__ = ["ForeignRecordError", "Report", "build_report"]  # Report: where it always was


class ForeignRecordError(ValueError):
    """An event of another incident reached the report; refusing keeps councils' data apart."""


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
    record = Record(events)
    names = OrgNames(council, provider_names or {})
    submissions = latest_lessons(record)
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
        nature_and_impact=nature(incident, record, questionnaire),
        threshold=threshold(incident, record),
        contact=contact(record, names, generated_at),
        phases=phases(incident, record),
        notifications=notifications(record),
        timeline=tuple(
            TimelineRow(e.seq, e.at, e.actor_name, names(e.organisation), say(e, payload, names))
            for e, payload in record
        ),
        lessons=tuple(lessons(e, names) for e in submissions),
        recommendations=recommendations(submissions, names),
        shares=shares(record, names),
    )
