"""Who may do what, checked in the use cases (never in the handlers) so every platform enforces
the same rules, and failing closed: anyone a rule does not name is refused.

`authorised` is the one way a use case loads an incident it is about to act on: it loads it,
applies the action's rule and refuses in one place, so no use case can forget a check or word a
refusal differently (`check` is the same for an incident found another way, through its
assessment, say). `may_open` is the same look, for an edge about to open a form: the same rule and
words, without the lock or the record, since the use case decides again on submit. All of them
fail closed: a rule that is not in `RULES` allows nobody.

Someone outside the incident learns only that it was "not found, or not yours", the same words
as for an incident that does not exist: no names, and nothing that tells an existing reference
from a guessed one.

Refused attempts go on the incident's timeline, but one person repeating one refused action on
one incident within an hour writes a single `ActionRefused` event: the repeats are counted in
the request log, and the count of a window that has ended is carried by the next event, so a
probe of a hundred clicks cannot bury a council's record under a hundred events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.actors import Actor, OrgKind
from bot.domain.errors import ConcurrencyConflict, NotAuthorised, NotFound
from bot.domain.events import ActionRefused
from bot.domain.incident import Incident
from bot.ports import UnitOfWork
from bot.usecases.context import CoreContext
from bot.usecases.loading import NOT_YOURS, load_incident
from bot.usecases.participants import (
    can_view,
    is_incident_council,
    is_incident_provider,
    is_participant,
    is_responder,
)

__all__ = [
    "NOT_YOURS",
    "Act",
    "Who",
    "allowed",
    "authorised",
    "check",
    "is_assessor",
    "is_mhclg",
    "may_open",
    "refusal_count",
    "refuse",
]

REFUSAL_WINDOW = timedelta(hours=1)


class Act(StrEnum):
    """What was attempted, as a refusal records it."""

    START_THRESHOLD_CHECK = "start_threshold_check"
    SUBMIT_ANSWERS = "submit_answers"
    RECORD_DECISION = "record_decision"
    CONFIRM_ACTIVATION = "confirm_activation"
    RECORD_MOU_SENT = "record_mou_sent"
    RECORD_MOU_SIGNED = "record_mou_signed"
    OVERRIDE_MOU = "override_mou"
    ACTIVATE = "activate"
    ACKNOWLEDGE_PAGE = "acknowledge_page"
    RECORD_CONTACT = "record_contact"
    CHANGE_PHASE = "change_phase"
    CLOSE_INCIDENT = "close_incident"
    CLOSE_MONITORING = "close_monitoring"
    DECLINE_SUPPORT = "decline_support"
    RECOVERY_OPT_IN = "recovery_opt_in"
    POST_STATUS_UPDATE = "post_status_update"
    UPDATE_CHECKLIST = "update_checklist"
    ADD_NOTE = "add_note"
    SUBMIT_LESSONS = "submit_lessons"
    CLOSE_LESSONS = "close_lessons"
    GENERATE_REPORT = "generate_report"
    SHARE_REPORT = "share_report"
    VIEW = "view"
    VIEW_REPORT = "view_report"


class Who(StrEnum):
    """The rules; each names who, in relation to the incident, may act."""

    ASSESSOR = "assessor"  # MHCLG's configured CIR assessors
    MHCLG = "mhclg"  # MHCLG's CIR team
    PROVIDER = "provider"  # the provider the incident is assigned (or, before that, put) to
    PROVIDER_OR_COUNCIL = "provider_or_council"
    COUNCIL = "council"  # the affected council itself
    RESPONDER = "responder"  # MHCLG or the incident's provider
    PARTICIPANT = "participant"  # MHCLG, the incident's provider or its council
    VIEWER = "viewer"  # participants and the read-only NCSC and GC3 liaisons


def is_assessor(actor: Actor, ctx: CoreContext) -> bool:
    user = actor.user_id.rsplit(":", 1)[-1]
    return actor.org_kind is OrgKind.MHCLG and user in ctx.policy.mhclg.assessors


def is_mhclg(actor: Actor) -> bool:
    """MHCLG's CIR team. The platform edge gives `OrgKind.MHCLG` only to the team (assessors,
    team members, its user group, the duty managers on the rota), never to every member of
    MHCLG's workspace."""
    return actor.org_kind is OrgKind.MHCLG


Rule = Callable[[Actor, Incident, CoreContext], bool]
RULES: dict[Who, Rule] = {
    Who.ASSESSOR: lambda a, i, ctx: is_assessor(a, ctx),
    Who.MHCLG: lambda a, i, ctx: is_mhclg(a),
    Who.PROVIDER: is_incident_provider,
    Who.PROVIDER_OR_COUNCIL: lambda a, i, ctx: (
        is_incident_provider(a, i, ctx) or is_incident_council(a, i)
    ),
    Who.COUNCIL: lambda a, i, ctx: is_incident_council(a, i),
    Who.RESPONDER: is_responder,
    Who.PARTICIPANT: is_participant,
    Who.VIEWER: can_view,
}


def allowed(actor: Actor, incident: Incident, who: Who, ctx: CoreContext) -> bool:
    rule = RULES.get(who)
    return rule is not None and rule(actor, incident, ctx)


def _refusal(actor: Actor, incident: Incident, who: Who, refusal: str, ctx: CoreContext) -> str:
    """What `actor` is told if refused (empty when allowed): `refusal` for people who may see
    the incident, NOT_YOURS for everyone else."""
    if allowed(actor, incident, who, ctx):
        return ""
    return refusal if can_view(actor, incident, ctx) else NOT_YOURS


async def _load(uow: UnitOfWork, key: str, *, for_update: bool) -> Incident:
    try:
        return await load_incident(uow, key, for_update=for_update)
    except NotFound:
        raise NotAuthorised(NOT_YOURS) from None


async def authorised(
    uow: UnitOfWork,
    ctx: CoreContext,
    actor: Actor,
    key: str,
    act: Act,
    who: Who,
    refusal: str,
    *,
    for_update: bool = True,
) -> Incident:
    """Load the incident `key` names (locked, by default) if `actor` may `act` on it; otherwise
    record the refusal and raise NotAuthorised. `refusal` is said only to people who may see the
    incident; everyone else hears NOT_YOURS, as for an incident that does not exist."""
    incident = await _load(uow, key, for_update=for_update)
    return await check(uow, ctx, actor, incident, act, who, refusal)


async def may_open(
    uow: UnitOfWork, ctx: CoreContext, actor: Actor, key: str, who: Who, refusal: str
) -> Incident:
    """The incident `key` names, if `actor` may act on it by `who`; else NotAuthorised with
    `authorised`'s words. For a look before a form opens (a trigger lasts seconds): nothing is
    locked or recorded, and the form's use case decides again when it is submitted."""
    incident = await _load(uow, key, for_update=False)
    message = _refusal(actor, incident, who, refusal, ctx)
    if message:
        raise NotAuthorised(message)
    return incident


async def check(
    uow: UnitOfWork,
    ctx: CoreContext,
    actor: Actor,
    incident: Incident,
    act: Act,
    who: Who,
    refusal: str,
) -> Incident:
    """`authorised` for an incident already loaded (found through an assessment, say)."""
    message = _refusal(actor, incident, who, refusal, ctx)
    if not message:
        return incident
    raise await refuse(uow, incident, actor, act, message, ctx)


def _window_key(incident: Incident, actor: Actor, act: str) -> str:
    digest = hashlib.sha256(f"{incident.id}\0{actor.user_id}\0{act}".encode()).hexdigest()
    return f"refused:{digest[:40]}"


async def refuse(
    uow: UnitOfWork, incident: Incident, actor: Actor, act: str, message: str, ctx: CoreContext
) -> NotAuthorised:
    """Record the refused attempt (at most one event per person, action and incident an hour),
    commit it, and return the error for the caller to raise."""
    now = ctx.clock.now()
    key = _window_key(incident, actor, str(act))
    window = await uow.requests.get(key)
    if window is not None and now < datetime.fromisoformat(str(window["until"])):
        await uow.requests.update(key, {**window, "count": int(window["count"]) + 1})
    else:
        earlier = int(window["count"]) - 1 if window is not None else 0
        incident.note(ActionRefused(action=str(act), count=1, earlier_repeats=earlier), actor, now)
        opened = {"since": now.isoformat(), "until": (now + REFUSAL_WINDOW).isoformat()}
        if window is None:
            await uow.requests.remember(key, now, {**opened, "count": 1})
        else:
            await uow.requests.update(key, {**opened, "count": 1})
    try:
        await uow.commit()
    except ConcurrencyConflict:
        pass  # a simultaneous refusal of the same attempt opened the window: it is on record
    return NotAuthorised(message)


async def refusal_count(uow: UnitOfWork, incident: Incident, actor: Actor, act: str) -> int:
    """How many times `actor` was refused `act` on `incident` in the current window."""
    window = await uow.requests.get(_window_key(incident, actor, act))
    return int(window["count"]) if window is not None else 0
