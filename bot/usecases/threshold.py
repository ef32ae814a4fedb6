"""The threshold check: answers in, recommendation out, a person's decision on record.

The bot recommends; an assessor decides with a rationale. Only configured MHCLG assessors may
assess or decide, and a refused attempt lands on the timeline.

An answer that personal data is involved is acted on at once, whatever is decided: the marking
is raised and the ICO reminders start from the detection time, as if the referral had said so.
A monitored incident is reminded for review at the configured interval, again and again, until
it is re-assessed or its monitoring is ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.actors import Actor
from bot.domain.assessment import Assessment, AssessmentStatus, Decision
from bot.domain.deadline_payloads import InfoReminderDue, ReviewReminderDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.errors import DomainError, NotAuthorised
from bot.domain.events import (
    ActivationConfirmed,
    ActivationProposed,
    InformationRequested,
    ThresholdAssessed,
    ThresholdDecisionRecorded,
)
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.domain.threshold import Recommendation, recommend, summarise, validate_answers
from bot.ports import UnitOfWork
from bot.usecases.authz import NOT_YOURS, Act, Who, authorised
from bot.usecases.checklist import start_ico_reminders
from bot.usecases.context import CoreContext
from bot.usecases.validation import FieldErrors

ASSESSORS_ONLY = "Only MHCLG's configured CIR assessors can run the threshold check or decide."
# The questionnaire's question and answer that say personal data is involved (config/
# questionnaire.yml; its ids are stable by rule, since assessments store them).
PERSONAL_DATA_QUESTION, PERSONAL_DATA_YES = "personal_data", "yes"


@dataclass(frozen=True)
class StartThresholdCheck:
    actor: Actor
    incident: str  # id or CIR reference


def threshold_check_refusal(incident: Incident) -> str:
    """Why no threshold check can start (or go on) on this incident now, or "": the rule
    `start_threshold_check` applies, for a look before its form opens."""
    if incident.state in {State.REFERRAL_RECEIVED, State.MONITORING, State.THRESHOLD_CHECK}:
        return ""
    return (
        f"{incident.reference} is {incident.state.label.lower()}: the threshold check is only "
        "run on a new referral or to re-assess a monitored incident."
    )


async def start_threshold_check(
    cmd: StartThresholdCheck, uow: UnitOfWork, ctx: CoreContext
) -> Incident:
    async with uow:
        incident = await authorised(
            uow,
            ctx,
            cmd.actor,
            cmd.incident,
            Act.START_THRESHOLD_CHECK,
            Who.ASSESSOR,
            ASSESSORS_ONLY,
        )
        if incident.state in {State.REFERRAL_RECEIVED, State.MONITORING}:
            incident.move_to(State.THRESHOLD_CHECK, cmd.actor, ctx.clock.now())
            # Re-assessed: the monitoring reviews stop (a new decision starts its own).
            await uow.deadlines.cancel_pending(incident.id, [DeadlineKind.REVIEW_REMINDER])
            await uow.commit()
        elif refusal := threshold_check_refusal(incident):
            raise DomainError(refusal)
    return incident


@dataclass(frozen=True)
class SubmitAnswers:
    actor: Actor
    incident_id: str
    answers: Mapping[str, str | Sequence[str]]


async def submit_answers(
    cmd: SubmitAnswers, uow: UnitOfWork, ctx: CoreContext
) -> tuple[Assessment, Recommendation]:
    questionnaire = ctx.policy.questionnaire
    async with uow:
        incident = await authorised(
            uow,
            ctx,
            cmd.actor,
            cmd.incident_id,
            Act.SUBMIT_ANSWERS,
            Who.ASSESSOR,
            ASSESSORS_ONLY,
        )
        if incident.state is not State.THRESHOLD_CHECK:
            raise DomainError(f"{incident.reference} is not in the threshold check any more.")
        answers = validate_answers(questionnaire, cmd.answers)
        rec = recommend(questionnaire, answers)
        now = ctx.clock.now()
        reasons = [
            {"question": r.question, "answer": r.answer, "pushes": r.pushes.value, "why": r.why}
            for r in rec.reasons
        ]
        assessment = Assessment(
            id=ctx.new_id(),
            incident_id=incident.id,
            assessor_id=cmd.actor.user_id,
            answers={k: list(v) for k, v in answers.items()},
            recommendation=rec.outcome.value,
            reasons=reasons,
            status=AssessmentStatus.RECOMMENDED,
            created_at=now,
        )
        await uow.assessments.save(assessment)
        assessed = ThresholdAssessed(
            assessment_id=assessment.id,
            answers=assessment.answers,
            recommendation=rec.outcome.value,
            summary=summarise(rec),
            missing=tuple(rec.missing),
        )
        incident.note(assessed, cmd.actor, now)
        if PERSONAL_DATA_YES in answers.get(PERSONAL_DATA_QUESTION, ()):
            if incident.learn_personal_data("threshold_check", cmd.actor, now):
                await start_ico_reminders(incident, uow, ctx, ctx.policy.followups)
        await uow.commit()
    return assessment, rec


@dataclass(frozen=True)
class RecordDecision:
    actor: Actor
    assessment_id: str
    decision: str
    rationale: str
    missing_info: str = ""


@dataclass
class DecisionResult:
    incident: Incident
    assessment: Assessment
    decision: Decision
    awaiting_confirmation: bool = False
    deadlines: list[Deadline] = field(default_factory=list)


async def record_decision(cmd: RecordDecision, uow: UnitOfWork, ctx: CoreContext) -> DecisionResult:
    errors = FieldErrors()
    rationale = errors.text("rationale", cmd.rationale, label="Rationale")
    try:
        decision = Decision(cmd.decision)
    except ValueError:
        errors.errors["decision"] = "Choose activate, monitor or need more information."
        decision = Decision.NEED_MORE_INFO
    missing = errors.text(
        "missing_info",
        cmd.missing_info,
        label="What is missing",
        required=decision is Decision.NEED_MORE_INFO,
    )
    errors.raise_if_any()
    async with uow:
        assessment = await _assessment(uow, cmd.assessment_id)
        incident = await authorised(
            uow,
            ctx,
            cmd.actor,
            assessment.incident_id,
            Act.RECORD_DECISION,
            Who.ASSESSOR,
            ASSESSORS_ONLY,
        )
        if assessment.status is not AssessmentStatus.RECOMMENDED:
            raise DomainError(f"This assessment of {incident.reference} already has a decision.")
        if incident.state is not State.THRESHOLD_CHECK:
            raise DomainError(f"{incident.reference} is not in the threshold check any more.")
        now = ctx.clock.now()
        assessment.decision, assessment.rationale = decision.value, rationale
        result = DecisionResult(incident=incident, assessment=assessment, decision=decision)
        four_eyes = decision is Decision.ACTIVATE and ctx.policy.mhclg.four_eyes
        decided = (ActivationProposed if four_eyes else ThresholdDecisionRecorded)(
            assessment_id=assessment.id,
            decision=decision.value,
            recommendation=assessment.recommendation,
            rationale=rationale,
            differs_from_recommendation=decision.value != assessment.recommendation,
        )
        incident.note(decided, cmd.actor, now)
        if four_eyes:
            assessment.status = AssessmentStatus.AWAITING_CONFIRMATION
            result.awaiting_confirmation = True
        else:
            assessment.status, assessment.decided_at = AssessmentStatus.DECIDED, now
            result.deadlines = _apply(incident, decision, cmd.actor, missing, ctx)
        await uow.assessments.save(assessment)
        for deadline in result.deadlines:
            await uow.deadlines.add(deadline)
        await uow.commit()
    return result


def _apply(
    incident: Incident, decision: Decision, actor: Actor, missing: str, ctx: CoreContext
) -> list[Deadline]:
    now = ctx.clock.now()
    mhclg = ctx.policy.mhclg
    if decision is Decision.ACTIVATE:
        incident.move_to(State.AWAITING_MOU, actor, now)
        return []
    if decision is Decision.MONITOR:
        incident.move_to(State.MONITORING, actor, now)
        kind, due = DeadlineKind.REVIEW_REMINDER, now + mhclg.review_reminder
    else:
        incident.note(InformationRequested(missing=missing), actor, now)
        kind, due = DeadlineKind.INFO_REMINDER, now + mhclg.info_reminder
    reminder: InfoReminderDue
    if kind is DeadlineKind.REVIEW_REMINDER:
        # repeats until closed or re-assessed (see firing/reviews.py)
        every = mhclg.review_reminder.total_seconds()
        reminder = ReviewReminderDue(assessor=actor.user_id, missing=missing, repeat_after=every)
    else:
        reminder = InfoReminderDue(assessor=actor.user_id, missing=missing)
    payload = reminder.data()
    return [Deadline(ctx.new_id(), incident.id, kind, due, payload=payload, created_at=now)]


@dataclass(frozen=True)
class ConfirmActivation:
    actor: Actor
    assessment_id: str


async def confirm_activation(
    cmd: ConfirmActivation, uow: UnitOfWork, ctx: CoreContext
) -> DecisionResult:
    async with uow:
        assessment = await _assessment(uow, cmd.assessment_id)
        incident = await authorised(
            uow,
            ctx,
            cmd.actor,
            assessment.incident_id,
            Act.CONFIRM_ACTIVATION,
            Who.ASSESSOR,
            ASSESSORS_ONLY,
        )
        if assessment.status is not AssessmentStatus.AWAITING_CONFIRMATION:
            raise DomainError(
                f"The activation of {incident.reference} is not awaiting confirmation."
            )
        if cmd.actor.user_id == assessment.assessor_id:
            raise DomainError("A second assessor must confirm: you proposed this activation.")
        now = ctx.clock.now()
        assessment.status, assessment.decided_at = AssessmentStatus.DECIDED, now
        assessment.confirmed_by = cmd.actor.user_id
        incident.note(ActivationConfirmed(assessment_id=assessment.id), cmd.actor, now)
        incident.move_to(State.AWAITING_MOU, cmd.actor, now)
        await uow.assessments.save(assessment)
        await uow.commit()
    return DecisionResult(incident=incident, assessment=assessment, decision=Decision.ACTIVATE)


async def _assessment(uow: UnitOfWork, assessment_id: str) -> Assessment:
    assessment = await uow.assessments.get(assessment_id)
    if assessment is None:
        raise NotAuthorised(NOT_YOURS)  # the same words as for an incident: ids are not probed
    return assessment
