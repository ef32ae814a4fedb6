"""Lessons learned after closure: the form (one submission per organisation) from the closure
message, the card or `/cir lessons`, and MHCLG's "Close lessons collection"."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.domain.errors import DomainError
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
from handlers.slack.context import SlackDeps
from handlers.slack.listeners.flows import incident_key, tell
from handlers.slack.listeners.response import (
    Builder,
    form_actor,
    meta_of,
    open_form,
    submitted,
    who,
)
from handlers.slack.listeners.subcommands import Subcommand
from handlers.slack.parse import text_of
from handlers.slack.render import lessons as render

FIRST = QUESTIONS[0][0]
RULE = (Who.PARTICIPANT, PARTICIPANTS_ONLY)  # who gets the lessons form
FIELDS = {key for key, _ in QUESTIONS} | {
    block
    for n in range(1, render.FORM_RECOMMENDATIONS + 1)
    for block in render.recommendation_ids(n)
}


def _form(deps: SlackDeps, user: str, team: str) -> Builder:
    async def build(incident: Incident, meta: dict[str, Any]) -> dict[str, Any]:
        actor = await deps.identity.actor(user, team)
        name = organisation_name(actor.organisation, deps.ctx.policy)
        return render.lessons_modal(incident, name, meta)

    return build


def _recommendations(state: dict[str, Any]) -> list[Recommendation]:
    rows = []
    for n in range(1, render.FORM_RECOMMENDATIONS + 1):
        text_id, owner_id = render.recommendation_ids(n)
        rows.append(Recommendation(text_of(state, text_id), text_of(state, owner_id)))
    return rows


async def _lessons_command(deps: SlackDeps, command: dict[str, Any], args: list[str]) -> None:
    user, channel = command["user_id"], command.get("channel_id", "")
    try:
        key = await incident_key(deps, args[0] if args else "", channel, "/cir lessons CIR-…")
    except DomainError as exc:
        await tell(deps, user, channel, str(exc))
        return
    build, trigger = _form(deps, user, ""), command["trigger_id"]
    await open_form(deps, user, channel, key, trigger, build, rule=RULE)


async def _close(deps: SlackDeps, user: str, team: str, channel: str, key: str) -> None:
    try:
        actor = await deps.identity.actor(user, team)
        missing = await close_lessons_collection(
            CloseLessonsCollection(actor, key), deps.uow(), deps.ctx
        )
        async with deps.uow() as uow:
            incident = await uow.incidents.get(key)
    except DomainError as exc:
        await tell(deps, user, channel, str(exc))
        return
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
        "/cir lessons [CIR-…]", "give your organisation's lessons learned", _lessons_command
    )
}


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(Action.GIVE_LESSONS.value)
    async def give(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, team, channel = who(body)
        build = _form(deps, user, team)
        key, trigger = action["value"], body["trigger_id"]
        form = open_form(deps, user, channel, key, trigger, build, team, rule=RULE)
        deps.tasks.spawn(form)

    @app.action(Action.CLOSE_LESSONS.value)
    async def close(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(_close(deps, *who(body), action["value"]))

    @app.view(Form.LESSONS.value)
    async def lessons(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta, state, user = meta_of(view), view["state"], body["user"]
        if (actor := await form_actor(ack, deps, body, FIRST)) is None:
            return
        answers = {key: text_of(state, key) for key, _ in QUESTIONS}
        cmd = SubmitLessons(actor, meta["incident_id"], answers, _recommendations(state))
        call = submit_lessons(cmd, deps.uow(), deps.ctx)
        where = meta.get("channel", "")
        submission = await submitted(ack, deps, user["id"], where, call, FIELDS, FIRST)
        if submission is not None:
            await ack()
            deps.tasks.spawn(
                _received(deps, submission.incident_id, submission.organisation, actor.name)
            )
