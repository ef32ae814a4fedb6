"""The threshold decision: what the bot recommended, what a person decided, and the MoU."""

from __future__ import annotations

from bot.domain.events import (
    ActivationConfirmed,
    ActivationProposed,
    MouOverridden,
    MouStatusRecorded,
    ThresholdAssessed,
    ThresholdDecisionRecorded,
)
from bot.domain.incident import Incident
from bot.reporting.record import Record
from bot.reporting.report import Threshold
from bot.reporting.words import clean


def threshold(incident: Incident, record: Record) -> Threshold:
    """The latest decision; under four eyes, with the second assessor who confirmed it."""
    decided = record.last(ThresholdDecisionRecorded, ActivationProposed)
    assessed = record.last(ThresholdAssessed)
    four_eyes = decided is not None and isinstance(decided.payload, ActivationProposed)
    confirmed = None
    if decided is not None and four_eyes:
        wanted = decided.payload.assessment_id
        confirmed = next(
            (
                e
                for e in record.all(ActivationConfirmed)
                if e.seq > decided.seq and e.payload.assessment_id == wanted
            ),
            None,
        )
    if decided is not None:
        recommendation = decided.payload.recommendation
    else:
        recommendation = assessed.payload.recommendation if assessed else ""
    mou = record.last(MouStatusRecorded)
    override = record.last(MouOverridden)
    return Threshold(
        recommendation=clean(recommendation),
        decision=clean(decided.payload.decision) if decided else "",
        rationale=clean(decided.payload.rationale) if decided else "",
        differs_from_recommendation=bool(decided and decided.payload.differs_from_recommendation),
        decided_by=decided.actor_name if decided else "",
        decided_at=decided.at if decided else None,
        four_eyes=four_eyes,
        confirmed_by=confirmed.actor_name if confirmed else "",
        confirmed_at=confirmed.at if confirmed else None,
        mou_status=clean(mou.payload.status) if mou else incident.mou_status.value,
        mou_override_reason=clean(override.payload.reason) if override else "",
    )
