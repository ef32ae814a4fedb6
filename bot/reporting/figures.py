"""MHCLG's monthly figures, from the incidents' timelines alone.

MHCLG answers for the providers' 30-minute contact: each month it needs how long each provider
took to reach councils, how often the deadline was met, how far escalations went, where the
incidents were and how serious, how long each phase lasted and whether organisations returned
their lessons learned. Every number here is computed by the same model that writes each
incident's post-incident report (`build_report`), so the figures and the reports never disagree.

An incident counts in the month its referral was received, in London time.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.events import LessonsRequested, ThresholdAssessed
from bot.domain.incident import Incident
from bot.domain.timeline import TimelineEvent
from bot.domain.uk_time import LONDON
from bot.policy.model import Council
from bot.policy.questionnaire import Questionnaire
from bot.reporting.model import build_report
from bot.reporting.record import Record
from bot.reporting.words import state_label

CATEGORY_QUESTION = "ncsc_category"  # config/questionnaire.yml
NOT_ASSESSED = "Not assessed"
NO_CATEGORY = "No category given"


@dataclass(frozen=True)
class ProviderFigures:
    provider: str
    minutes_to_contact: tuple[float, ...]  # one per incident where contact was recorded
    met: int
    missed: int
    pending: int  # paged, deadline not yet passed and no contact recorded

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(self.minutes_to_contact) if self.minutes_to_contact else None

    @property
    def longest_minutes(self) -> float | None:
        return max(self.minutes_to_contact) if self.minutes_to_contact else None


@dataclass(frozen=True)
class MonthlyFigures:
    month: date  # the first day of the month
    incidents: int
    activated: int
    providers: tuple[ProviderFigures, ...]
    escalations_per_level: Mapping[int, int]
    per_region: Mapping[str, int]
    per_category: Mapping[str, int]
    phase_hours: Mapping[str, tuple[float, ...]]  # completed phases only, by label
    lessons_asked: int  # organisations asked for lessons learned
    lessons_returned: int
    references: tuple[str, ...] = field(default=())

    @property
    def met(self) -> int:
        return sum(p.met for p in self.providers)

    @property
    def missed(self) -> int:
        return sum(p.missed for p in self.providers)


@dataclass(frozen=True)
class IncidentRecord:
    """One incident as the figures read it: the incident, its council, its whole timeline."""

    incident: Incident
    council: Council
    events: Sequence[TimelineEvent]


def in_month(when: datetime, month: date) -> bool:
    local = when.astimezone(LONDON)
    return (local.year, local.month) == (month.year, month.month)


def _category(record: Record, questionnaire: Questionnaire | None) -> str:
    assessed = record.last(ThresholdAssessed)
    if assessed is None:
        return NOT_ASSESSED
    answers = assessed.payload.answers or {}
    chosen = answers.get(CATEGORY_QUESTION) if isinstance(answers, dict) else None
    option = chosen[0] if isinstance(chosen, list) and chosen else None
    if not option:
        return NO_CATEGORY
    labels = {}
    if questionnaire is not None:
        for question in questionnaire.questions:
            if question.id == CATEGORY_QUESTION:
                labels = {o.id: o.label for o in question.options}
    return labels.get(str(option), str(option))


def _lessons_asked(record: Record) -> int:
    asked = record.last(LessonsRequested)
    if asked is None:
        return 0
    organisations = asked.payload.organisations
    return len(organisations) if isinstance(organisations, tuple) else 0


def monthly_figures(
    month: date,
    records: Iterable[IncidentRecord],
    *,
    now: datetime,
    questionnaire: Questionnaire | None = None,
    provider_names: Mapping[str, str] | None = None,
) -> MonthlyFigures:
    month = month.replace(day=1)
    names = dict(provider_names or {})
    minutes: dict[str, list[float]] = {}
    outcome: dict[str, Counter[str]] = {}
    levels: Counter[int] = Counter()
    regions: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    phases: dict[str, list[float]] = {}
    asked = returned = activated = 0
    references: list[str] = []
    for record in records:
        report = build_report(
            record.incident,
            record.council,
            record.events,
            generated_at=now,
            questionnaire=questionnaire,
            provider_names=names,
        )
        if not in_month(report.nature_and_impact.referred_at, month):
            continue
        references.append(report.header.reference)
        regions[record.council.region or "Unknown region"] += 1
        timeline = Record(record.events)
        categories[_category(timeline, questionnaire)] += 1
        contact = report.contact
        if contact.notified_at is not None:
            activated += 1
        for provider in contact.providers:
            if contact.minutes_to_contact is not None:
                minutes.setdefault(provider, []).append(contact.minutes_to_contact)
            verdict = {True: "met", False: "missed", None: "pending"}[contact.met_deadline]
            outcome.setdefault(provider, Counter())[verdict] += 1
        for step in contact.escalations:
            levels[step.level] += 1
        for phase in report.phases:
            if phase.duration is not None:
                hours = phase.duration.total_seconds() / 3600
                phases.setdefault(state_label(phase.state), []).append(round(hours, 2))
        asked += _lessons_asked(timeline)
        returned += len(report.lessons)
    providers = tuple(
        ProviderFigures(
            provider=name,
            minutes_to_contact=tuple(sorted(minutes.get(name, []))),
            met=outcome.get(name, Counter())["met"],
            missed=outcome.get(name, Counter())["missed"],
            pending=outcome.get(name, Counter())["pending"],
        )
        for name in sorted(set(minutes) | set(outcome))
    )
    return MonthlyFigures(
        month=month,
        incidents=len(references),
        activated=activated,
        providers=providers,
        escalations_per_level=dict(sorted(levels.items())),
        per_region=dict(regions.most_common()),
        per_category=dict(sorted(categories.items())),
        phase_hours={label: tuple(hours) for label, hours in phases.items()},
        lessons_asked=asked,
        lessons_returned=returned,
        references=tuple(sorted(references)),
    )
