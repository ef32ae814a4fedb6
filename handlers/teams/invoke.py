"""Card buttons on Teams: `adaptiveCard/action` invokes (Universal Actions), answered in the HTTP
answer itself with the refreshed card, or with a message when the person was refused.

Handled here, not by botbuilder's `CloudAdapter.process` (which fails on invokes with "'dict'
object has no attribute 'is_xml_model'"). The verb is a `bot.views.actions.Action` (a button) or
`Form` (a form's submit) value; `data.value` is the incident, as the button's value on Slack.

A replayed invoke (the same activity id again: a retry by Teams or a captured request) changes
nothing: its id is claimed in the request log before a flow that changes something runs, and a
claimed id is answered with the card as it stands now. A button that only shows something (a
form, the card itself) changes nothing however often it is sent, and writes no claim. A double
click is two activity ids; the second is refused or is a no-op by the use cases' own rules (a
page acknowledged once, a form's submit keyed by its activity id).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.domain.errors import ConcurrencyConflict, DomainError
from bot.views.actions import Action, Form
from handlers.acting import Asker
from handlers.teams.activity import Inbound, MalformedActivity
from handlers.teams.identity import TeamsEdge, asker_of
from handlers.teams.replies import card_answer, message_answer

log = logging.getLogger(__name__)

ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
REFRESH = "refresh"
MAX_INPUT = 20_000  # characters in one input: more than any form allows, checked again there
UNKNOWN_BUTTON = "This button is not one the CIR bot knows; nothing was done."
NOT_STORED = "Your action could not be stored just now; nothing was changed. Try again."

Flow = Callable[[TeamsEdge, Asker, str, dict[str, str]], Awaitable[None]]


class Invoked:
    """An `Action.Execute` as Teams sends it: `value.action.verb` and `value.action.data`."""

    def __init__(self, verb: str, data: dict[str, str]) -> None:
        self.verb = verb
        self.data = data

    @property
    def key(self) -> str:
        """The incident the button is about."""
        return self.data.get("value", "")


def parse_invoke(value: Any) -> Invoked:
    if not isinstance(value, dict) or not isinstance(value.get("action"), dict):
        raise MalformedActivity("value.action is missing")
    action = value["action"]
    if action.get("type") != "Action.Execute":
        raise MalformedActivity("value.action.type is not Action.Execute")
    verb = action.get("verb")
    if not isinstance(verb, str) or not verb or len(verb) > 64:
        raise MalformedActivity("value.action.verb is missing")
    raw = action.get("data", {})
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise MalformedActivity("value.action.data is not an object")
    data: dict[str, str] = {}
    for name, item in raw.items():
        if isinstance(item, bool):
            item = "true" if item else "false"
        if isinstance(item, int | float):
            item = str(item)
        if not isinstance(item, str) or not isinstance(name, str):
            raise MalformedActivity(f"value.action.data.{str(name)[:40]} is not text")
        if len(item) > MAX_INPUT:
            raise MalformedActivity(f"value.action.data.{name[:40]} is too long")
        data[name] = item
    return Invoked(verb, data)


# Buttons that open a form in place of the card: they show, they change nothing.
SHOWS = frozenset(
    {
        REFRESH,
        Action.CONTACT_MADE,
        Action.POST_UPDATE,
        Action.ADD_NOTE,
        Action.CHANGE_PHASE,
        Action.GIVE_LESSONS,
        Action.DECLINE_SUPPORT,
        Action.UPDATE_CHECKLIST,
    }
)
# What MHCLG's CIR team does, on Slack (referrals, the threshold check, activation, closing,
# the report): its buttons are on the one card everyone sees, and say so on Teams.
ON_SLACK = frozenset(
    {
        Action.START_THRESHOLD_CHECK,
        Action.CONFIRM_ACTIVATION,
        Action.RETRY_CHANNEL,
        Action.REASSESS,
        Action.OVERRIDE_MOU,
        Action.ACTIVATE,
        Action.CLOSE_LESSONS,
        Action.GENERATE_REPORT,
        Action.SHARE_REPORT,
        Action.OPEN_INCIDENT_CHANNEL,
        Action.CLOSE_MONITORING,
        Action.CONFIRM_SLACK_TEAM,
        Action.REJECT_SLACK_TEAM,
    }
)
MHCLG_ON_SLACK = "MHCLG's CIR team does this on Slack; nothing was done."


def known_verb(verb: str) -> bool:
    return verb == REFRESH or verb in Action._value2member_map_ or verb in Form._value2member_map_


def replay_key(activity: Inbound) -> str:
    """Stored, not the activity id itself (Teams' ids are long and say nothing useful)."""
    scope = f"{activity.conversation_id}\n{activity.id}".encode()
    return "teams-invoke:" + hashlib.sha256(scope).hexdigest()


async def _claim(edge: TeamsEdge) -> bool:
    """True if this activity id is new; False for a replay. Its own short transaction, so the
    claim holds across replicas whatever the flow does next."""
    deps = edge.deps
    try:
        async with deps.uow() as uow:
            if await uow.requests.get(replay_key(edge.activity)) is not None:
                return False
            await uow.requests.remember(replay_key(edge.activity), deps.ctx.clock.now(), {})
            await uow.commit()
    except ConcurrencyConflict:
        return False  # the same activity claimed by another request at the same moment
    return True


async def answer_invoke(
    edge: TeamsEdge, invoked: Invoked, flows: dict[str, Flow], show: Flow
) -> dict[str, Any]:
    """Run the flow for the button and say what the person sees now."""
    asker = asker_of(edge.activity)
    if invoked.verb in ON_SLACK:
        return message_answer(MHCLG_ON_SLACK)
    if not known_verb(invoked.verb) or (invoked.verb not in flows and invoked.verb != REFRESH):
        return message_answer(UNKNOWN_BUTTON)
    if invoked.verb == REFRESH or (invoked.verb not in SHOWS and not await _claim(edge)):
        await show(edge, asker, invoked.key, invoked.data)
    else:
        try:
            await flows[invoked.verb](edge, asker, invoked.key, invoked.data)
        except DomainError as exc:  # raised outside `acting`: still the person's answer
            edge.told.append(str(exc))
        if not edge.told and edge.answer is None:
            await show(edge, asker, invoked.key, invoked.data)
    if edge.told:
        return message_answer("\n".join(edge.told))
    if edge.answer is None:
        return message_answer(NOT_STORED)
    return card_answer(edge.answer)
