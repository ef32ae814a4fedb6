"""Lessons learned: asked of every organisation when the incident closes, answered once each,
chased after working days, and closed by MHCLG when the report cannot wait any longer.

A repeated submission, or one after the collection closed, changes nothing and says so: the
report must show each organisation's one considered answer, not whichever click came last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.actors import Actor
from bot.domain.deadline_payloads import LessonsReminderDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.errors import DomainError
from bot.domain.events import LessonsCollectionClosed, LessonsRequested
from bot.domain.incident import Incident
from bot.domain.lessons import (
    MAX_RECOMMENDATIONS,
    QUESTIONS,
    REQUIRED,
    LessonsCollection,
    LessonsSubmission,
    Recommendation,
)
from bot.domain.working_days import add_working_days
from bot.policy.followups import Followups
from bot.ports import UnitOfWork
from bot.usecases.authz import Act, Who, authorised
from bot.usecases.context import CoreContext
from bot.usecases.participants import organisations
from bot.usecases.validation import FieldErrors

PARTICIPANTS_ONLY = "Only MHCLG, the incident's provider and its council can give lessons learned."
MHCLG_ONLY = "Only MHCLG can close the lessons-learned collection."


async def start_lessons_collection(
    incident: Incident, actor: Actor, uow: UnitOfWork, ctx: CoreContext, followups: Followups
) -> list[Deadline]:
    """Ask every organisation for lessons learned (inside the closing transaction) and schedule
    the reminders, counted in working days from now."""
    now = ctx.clock.now()
    orgs = organisations(incident)
    await uow.lessons.save_collection(LessonsCollection(incident.id, orgs, requested_at=now))
    incident.note(LessonsRequested(organisations=tuple(orgs)), actor, now)
    deadlines = [
        Deadline(
            id=ctx.new_id(),
            incident_id=incident.id,
            kind=DeadlineKind.LESSONS_REMINDER,
            due_at=add_working_days(now, days, followups.bank_holidays, followups.timezone),
            level=i,
            payload=LessonsReminderDue(working_days=days).data(),
            created_at=now,
        )
        for i, days in enumerate(followups.lessons_reminder_days)
    ]
    for deadline in deadlines:
        await uow.deadlines.add(deadline)
    return deadlines


@dataclass(frozen=True)
class SubmitLessons:
    actor: Actor
    incident: str  # id or CIR reference
    answers: Mapping[str, str]
    recommendations: Sequence[Recommendation] = field(default=())


def validate_lessons(
    answers: Mapping[str, str], recommendations: Sequence[Recommendation]
) -> tuple[dict[str, str], tuple[Recommendation, ...]]:
    errors = FieldErrors()
    unknown = sorted(set(answers) - {key for key, _ in QUESTIONS})
    if unknown:
        errors.errors["answers"] = f"Unknown questions: {', '.join(unknown)}."
    clean = {
        key: errors.text(key, answers.get(key, ""), label=label, required=key in REQUIRED)
        for key, label in QUESTIONS
    }
    if len(recommendations) > MAX_RECOMMENDATIONS:
        errors.errors["recommendations"] = (
            f"{len(recommendations)} recommendations; the limit is {MAX_RECOMMENDATIONS}."
        )
    recs = []
    for n, rec in enumerate(recommendations, start=1):
        if not (rec.text or "").strip() and not (rec.owner or "").strip():
            continue  # an empty row the form left behind
        text = errors.text(f"recommendation_{n}", rec.text, label=f"Recommendation {n}")
        owner = errors.text(
            f"recommendation_{n}_owner", rec.owner, label=f"The owner of recommendation {n}"
        )
        recs.append(Recommendation(text=text, owner=owner))
    errors.raise_if_any()
    return clean, tuple(recs)


async def submit_lessons(
    cmd: SubmitLessons, uow: UnitOfWork, ctx: CoreContext
) -> LessonsSubmission:
    async with uow:
        incident = await authorised(
            uow,
            ctx,
            cmd.actor,
            cmd.incident,
            Act.SUBMIT_LESSONS,
            Who.PARTICIPANT,
            PARTICIPANTS_ONLY,
        )
        collection = await _collection(uow, incident)
        if collection.is_closed:
            assert collection.closed_at is not None
            raise DomainError(
                f"The lessons-learned collection for {incident.reference} was closed by "
                f"{collection.closed_by_name} at {collection.closed_at:%H:%M UTC on %d %b %Y}; "
                "nothing was recorded. Send your lessons to MHCLG directly."
            )
        organisation = cmd.actor.organisation
        earlier_submissions = await uow.lessons.submissions(incident.id)
        for earlier in earlier_submissions:
            if earlier.organisation == organisation:
                raise DomainError(
                    f"Lessons learned for {organisation} on {incident.reference} were already "
                    f"submitted by {earlier.submitted_by_name} at "
                    f"{earlier.submitted_at:%H:%M UTC on %d %b %Y}; nothing changed."
                )
        answers, recommendations = validate_lessons(cmd.answers, cmd.recommendations)
        now = ctx.clock.now()
        submission = LessonsSubmission(
            id=ctx.new_id(),
            incident_id=incident.id,
            organisation=organisation,
            answers=answers,
            recommendations=recommendations,
            submitted_by=cmd.actor.user_id,
            submitted_by_name=cmd.actor.name,
            submitted_at=now,
        )
        await uow.lessons.add_submission(submission)
        incident.note(submission.event(), cmd.actor, now)
        if not collection.outstanding([*earlier_submissions, submission]):
            await uow.deadlines.cancel_pending(incident.id, [DeadlineKind.LESSONS_REMINDER])
        await uow.commit()
    return submission


@dataclass(frozen=True)
class CloseLessonsCollection:
    actor: Actor
    incident: str


async def close_lessons_collection(
    cmd: CloseLessonsCollection, uow: UnitOfWork, ctx: CoreContext
) -> list[str]:
    """Returns the organisations that never answered, for the record and the report."""
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.CLOSE_LESSONS, Who.MHCLG, MHCLG_ONLY
        )
        collection = await _collection(uow, incident)
        if collection.is_closed:
            raise DomainError(
                f"The lessons-learned collection for {incident.reference} is already closed."
            )
        now = ctx.clock.now()
        collection.close(cmd.actor.user_id, cmd.actor.name, now)
        await uow.lessons.save_collection(collection)
        await uow.deadlines.cancel_pending(incident.id, [DeadlineKind.LESSONS_REMINDER])
        incident.note(LessonsCollectionClosed(), cmd.actor, now)
        missing = collection.outstanding(await uow.lessons.submissions(incident.id))
        await uow.commit()
    return missing


async def _collection(uow: UnitOfWork, incident: Incident) -> LessonsCollection:
    collection = await uow.lessons.collection(incident.id)
    if collection is None:
        raise DomainError(
            f"Lessons learned for {incident.reference} are collected once it is closed; it is "
            f"{incident.state.label.lower()}."
        )
    return collection
