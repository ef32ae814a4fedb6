"""Nature and impact: what the council referred, and what the threshold check found."""

from __future__ import annotations

from typing import Any

from bot.domain.events import ReferralReceived, ThresholdAssessed
from bot.domain.incident import Incident
from bot.policy.questionnaire import Questionnaire
from bot.reporting.record import Record
from bot.reporting.report import Answer, NatureAndImpact
from bot.reporting.words import clean, parse_time


def nature(
    incident: Incident, record: Record, questionnaire: Questionnaire | None
) -> NatureAndImpact:
    """As referred (the referral's own record); the incident's stored referral if that is gone."""
    opened = record.last(ReferralReceived)
    referral = opened.payload if opened else incident.referral.received(incident.reference)
    assessed = record.last(ThresholdAssessed)
    answers = (assessed.payload.answers if assessed else None) or {}
    return NatureAndImpact(
        description=clean(referral.description),
        detected_at=parse_time(referral.detected_at),
        referred_at=opened.at if opened else incident.opened_at,
        services_affected=clean(referral.services_affected),
        attacker_active=clean(referral.attacker_active),
        personal_data_involved=bool(referral.personal_data_involved),
        ncsc_reference=clean(referral.ncsc_reference),
        bodies_told=tuple(str(b) for b in referral.bodies_told or ()),
        assessment_summary=clean(assessed.payload.summary) if assessed else "",
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
