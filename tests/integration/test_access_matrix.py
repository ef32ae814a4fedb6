"""The access matrix: every Slack entry point sent, as signed HTTP requests, by every kind of
person. Each cell is either allowed (the entry point did what it is for) or refused with nothing
changed: the incident, its timeline (apart from at most one ActionRefused event), checklist,
engagements, lessons and deadlines as they were, no form opened, the person told a refusal
that names nobody, and, for someone Slack could not confirm, not even a refusal recorded."""

from __future__ import annotations

import json

import pytest

from bot.views.actions import Action, Form
from handlers.slack.identity import UNCONFIRMED
from handlers.slack.ids import Shortcut
from handlers.slack.listeners import activation, ending, lessons, notes, response
from tests.integration.access_entries import ENTRIES, Entry, Outcome, is_refusal
from tests.integration.access_env import (
    PEOPLE,
    Persona,
    Target,
    at_stage,
    fresh_identity,
    record_of,
    world,
)
from tests.integration.slack_harness import SlackEnv

__all__ = ["world"]  # the module-scoped service the cells share

# Outsiders must not learn who else is in an incident, or the duty manager's number.
SECRETS = ("KPMG", "Accenture", "Hackney", "07700 900100", "Kim Responder")
INSIDERS = frozenset({Persona.MHCLG, Persona.COUNCIL, Persona.PROVIDER})
SUBCOMMANDS = {**activation.SUBCOMMANDS, **response.SUBCOMMANDS, **notes.SUBCOMMANDS,
               **lessons.SUBCOMMANDS, **ending.SUBCOMMANDS}  # fmt: skip
CELLS = [(entry, persona) for entry in ENTRIES for persona in Persona]


def _told(env: SlackEnv, user: str, response: str) -> list[str]:
    ephemeral = [c["text"] for c in env.slack.calls_to("chat.postEphemeral") if c["user"] == user]
    direct = [m["text"] for m in env.slack.calls_to("chat.postMessage") if m["channel"] == user]
    return [*ephemeral, *direct, response]


# Refused cells change nothing (each asserts it), so they share one incident per entry point;
# an allowed cell gets an incident of its own.
SHARED: dict[tuple[int, str], Target] = {}


async def target_for(env: SlackEnv, entry: Entry, persona: Persona) -> Target:
    if persona in entry.allowed:
        return await at_stage(env, entry.stage)
    key = (id(env), entry.name)
    if key not in SHARED:
        SHARED[key] = await at_stage(env, entry.stage)
    return SHARED[key]


async def run(env: SlackEnv, entry: Entry, persona: Persona) -> Outcome:
    target = await target_for(env, entry, persona)
    person = PEOPLE[persona]
    fresh_identity(env)
    if persona is Persona.UNCONFIRMED:
        env.slack.fail_users_info_for(person.user)
    before = await record_of(env, target.incident_id)
    env.slack.clear()
    try:
        status, response = await env.send(entry.request(person, target))
    finally:
        env.slack.clear_user_faults()
    assert status == 200, response
    views = env.slack.calls_to("views.open")
    return Outcome(
        before=before,
        after=await record_of(env, target.incident_id),
        response=response,
        told=_told(env, person.user, response),
        opened=[v["view"].get("callback_id", "") for v in views],
        published=[json.dumps(v["view"]) for v in env.slack.calls_to("views.publish")],
    )


def assert_refused(entry: Entry, persona: Persona, outcome: Outcome) -> None:
    before, after = outcome.before, outcome.after
    for part in ("incident", "checklist", "engagements", "lessons", "deadlines", "incidents"):
        assert after[part] == before[part], f"{part} changed"
    assert after["events"][: len(before["events"])] == before["events"]
    added = outcome.new_events()
    if persona is Persona.UNCONFIRMED:
        assert added == [], "nothing is recorded for someone Slack cannot confirm"
    else:
        assert added in ([], ["ActionRefused"])
    assert outcome.opened == [], "no form opens for someone who may not use it"
    assert not entry.effect(outcome)
    said = [t for t in outcome.told if t]
    if entry.tells_refusal:
        assert any(is_refusal(t) for t in said), said
    if persona is Persona.UNCONFIRMED and entry.tells_refusal:
        assert any(UNCONFIRMED in t for t in said), said
    if persona not in INSIDERS:
        for text in said:
            assert not any(secret in text for secret in SECRETS), text


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    ("entry", "persona"),
    CELLS,
    ids=[f"{entry.name}-{persona.value}" for entry, persona in CELLS],
)
async def test_cell(world: SlackEnv, entry: Entry, persona: Persona) -> None:
    outcome = await run(world, entry, persona)
    if persona in entry.allowed:
        assert entry.effect(outcome), f"allowed but nothing happened: {outcome.told}"
        assert not any(is_refusal(t) for t in outcome.told if t), outcome.told
        assert "ActionRefused" not in outcome.new_events()
    else:
        assert_refused(entry, persona, outcome)


def test_the_matrix_covers_every_entry_point_and_person() -> None:
    """Every button and form the bot names has a row (those no listener handles are named), as
    do the subcommands /cir help lists; 88 cells are allowed, 389 refused."""
    names = {entry.name for entry in ENTRIES}
    assert len(names) == len(ENTRIES) == 53
    assert len(Persona) == 9
    no_listener = {Action.ADD_NOTE, Action.OPEN_INCIDENT_CHANNEL, Form.NOTE}
    assert {*Action, *Form, *Shortcut} - no_listener <= names
    subcommands = {name for name in names if name.startswith("/cir ")}
    assert {s.usage.split()[1] for s in SUBCOMMANDS.values()} <= {s.split()[1] for s in subcommands}
    allowed = sum(1 for entry, persona in CELLS if persona in entry.allowed)
    assert (len(CELLS), allowed) == (477, 88)
