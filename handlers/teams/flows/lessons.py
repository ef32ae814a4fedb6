"""Lessons learned on Teams: the form in place of the card, then its submit (one per
organisation, as the use case rules)."""

from __future__ import annotations

from bot.domain.actors import Actor
from bot.domain.lessons import MAX_RECOMMENDATIONS, QUESTIONS, Recommendation
from bot.usecases.authz import Who
from bot.usecases.lessons import PARTICIPANTS_ONLY, SubmitLessons, submit_lessons
from bot.usecases.participants import organisation_name
from bot.views.actions import Action, Form
from handlers.acting import Asker, acting
from handlers.teams.flows.common import card_of, changed, viewable
from handlers.teams.identity import TeamsEdge
from handlers.teams.invoke import Flow
from handlers.teams.render.inputs import recommendation_ids


@acting
async def lessons_form(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    incident = await viewable(edge, actor, key, Who.PARTICIPANT, PARTICIPANTS_ONLY)
    name = organisation_name(actor.organisation, edge.deps.ctx.policy)
    edge.answer = edge.deps.cards.lessons_form(incident, name)


def recommendations(data: dict[str, str]) -> list[Recommendation]:
    rows = []
    for n in range(1, MAX_RECOMMENDATIONS + 1):
        text_id, owner_id = recommendation_ids(n)
        text, owner = data.get(text_id, ""), data.get(owner_id, "")
        if text or owner:
            rows.append(Recommendation(text, owner))
    return rows


@acting
async def lessons_submitted(
    edge: TeamsEdge, actor: Actor, asker: Asker, key: str, data: dict[str, str]
) -> None:
    answers = {question: data.get(question, "") for question, _ in QUESTIONS}
    cmd = SubmitLessons(actor, key, answers, recommendations(data))
    submission = await submit_lessons(cmd, edge.deps.uow(), edge.deps.ctx)
    changed(edge, submission.incident_id)
    await card_of(edge, submission.incident_id)


FLOWS: dict[str, Flow] = {
    Action.GIVE_LESSONS: lessons_form,
    Form.LESSONS: lessons_submitted,
}
