"""Lessons learned after closure: the form (one submission per organisation) from the closure
message, the card or `/cir lessons`, and MHCLG's "Close lessons collection"."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.domain.actors import Actor
from bot.domain.incident import Incident
from bot.domain.lessons import QUESTIONS, Recommendation
from bot.usecases.authz import Who
from bot.usecases.lessons import (
    PARTICIPANTS_ONLY,
    CloseLessonsCollection,
    SubmitLessons,
    close_lessons_collection,
    submit_lessons,
)
from bot.usecases.participants import organisation_name
from bot.views.actions import Action, Form
from handlers.acting import Asker, acting, answered
from handlers.slack.askers import of_action, of_command
from handlers.slack.context import SlackDeps
from handlers.slack.listeners.flows import incident_key
from handlers.slack.listeners.response import Builder, open_form
from handlers.slack.listeners.subcommands import Subcommand
from handlers.slack.parse import text_of
from handlers.slack.render import lessons as render
from handlers.slack.submission import Inline, meta_of, submission

FIRST = QUESTIONS[0][0]
RULE = (Who.PARTICIPANT, PARTICIPANTS_ONLY)  # who gets the lessons form
FIELDS = {key for key, _ in QUESTIONS} | {
    block
    for n in range(1, render.FORM_RECOMMENDATIONS + 1)
    for block in render.recommendation_ids(n)
}


def _form(deps: SlackDeps) -> Builder:
    async def build(actor: Actor, incident: Incident, meta: dict[str, Any]) -> dict[str, Any]:
        name = organisation_name(actor.organisation, deps.ctx.policy)
        return render.lessons_modal(incident, name, meta)

    return build


def _recommendations(state: dict[str, Any]) -> list[Recommendation]:
    rows = []
    for n in range(1, render.FORM_RECOMMENDATIONS + 1):
        text_id, owner_id = render.recommendation_ids(n)
        rows.append(Recommendation(text_of(state, text_id), text_of(state, owner_id)))
    return rows


@answered
async def _open_lessons(deps: SlackDeps, asker: Asker, target: str, trigger: str) -> None:
    key = await incident_key(deps, target, asker.channel, "/cir lessons CIR-…")
    await open_form(deps, asker, key, trigger, _form(deps), rule=RULE)


async def _lessons_command(deps: SlackDeps, command: dict[str, Any], args: list[str]) -> None:
    target = args[0] if args else ""
    await _open_lessons(deps, of_command(command), target, command["trigger_id"])


@acting
async def _close(deps: SlackDeps, actor: Actor, asker: Asker, key: str) -> None:
    cmd = CloseLessonsCollection(actor, key)
    missing = await close_lessons_collection(cmd, deps.uow(), deps.ctx)
    async with deps.uow() as uow:
        incident = await uow.incidents.get(key)
    if incident is None:
        return
    names = [organisation_name(o, deps.ctx.policy) for o in missing]
    await deps.room.post(incident.id, *render.lessons_closed_message(incident, actor.name, names))
    await deps.room.refresh(incident.id)


async def _received(deps: SlackDeps, incident_id: str, organisation: str, name: str) -> None:
    async with deps.uow() as uow:
        incident = await uow.incidents.get(incident_id)
    if incident is not None:
        org = organisation_name(organisation, deps.ctx.policy)
        await deps.room.post(incident_id, *render.lessons_received_message(incident, org, name))
        await deps.room.refresh(incident_id)


SUBCOMMANDS = {
    "lessons": Subcommand(
        "/cir lessons [CIR-…]",
        "give your organisation's lessons learned",
        _lessons_command,
        opens_form=True,
    )
}


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(Action.GIVE_LESSONS.value)
    async def give(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        key, trigger = action["value"], body["trigger_id"]
        opening = open_form(deps, of_action(body), key, trigger, _form(deps), rule=RULE)
        deps.tasks.spawn_form(opening)

    @app.action(Action.CLOSE_LESSONS.value)
    async def close(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(_close(deps, of_action(body), action["value"]))

    @app.view(Form.LESSONS.value)
    @submission(deps, Inline(FIRST, FIELDS, tell_refusals=True))
    async def lessons(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        meta, state = meta_of(view), view["state"]
        answers = {key: text_of(state, key) for key, _ in QUESTIONS}
        cmd = SubmitLessons(actor, meta["incident_id"], answers, _recommendations(state))
        submission_ = await submit_lessons(cmd, deps.uow(), deps.ctx)
        await ack()
        incident_id, organisation = submission_.incident_id, submission_.organisation
        deps.tasks.spawn(_received(deps, incident_id, organisation, actor.name))
