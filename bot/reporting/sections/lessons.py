"""Lessons learned and the recommendations, one submission per organisation (the latest)."""

from __future__ import annotations

from bot.domain.events import LessonsSubmitted
from bot.reporting.record import Read, Record
from bot.reporting.report import Answer, Lessons, Recommendation
from bot.reporting.words import OrgNames, clean, text

LESSON_QUESTIONS = {
    "what_happened": "What happened, and when",
    "went_well": "What went well",
    "hindered": "What hindered the response or recovery",
    "info_sooner": "What information was needed sooner",
    "differently": "What we would do differently",
}

Submission = Read[LessonsSubmitted]


def latest_lessons(record: Record) -> list[Submission]:
    """A resubmission replaces the organisation's earlier answers; order of first submission."""
    latest: dict[str, Submission] = {}
    for event in record.all(LessonsSubmitted):
        latest[_organisation(event)] = event
    return list(latest.values())


def lessons(event: Submission, names: OrgNames) -> Lessons:
    answers = event.payload.answers
    return Lessons(
        organisation=names(_organisation(event)),
        submitted_by=event.actor_name,
        at=event.at,
        answers=tuple(
            Answer(LESSON_QUESTIONS.get(str(k), str(k)), str(v))
            for k, v in (answers.items() if isinstance(answers, dict) else ())
            if str(v).strip()
        ),
    )


def recommendations(submissions: list[Submission], names: OrgNames) -> tuple[Recommendation, ...]:
    return tuple(
        Recommendation(text(r, "text"), text(r, "owner"), names(_organisation(e)))
        for e in submissions
        for r in e.payload.recommendations or ()
        if isinstance(r, dict) and text(r, "text")
    )


def _organisation(event: Submission) -> str:
    return clean(event.payload.organisation) or event.organisation
