"""Who may do what. Checked in the use cases, never in the handlers, so Slack and Teams enforce
the same rules; a refused attempt is itself put on the incident's timeline."""

from __future__ import annotations

from bot.domain.actors import Actor, OrgKind
from bot.domain.errors import NotAuthorised
from bot.domain.incident import Incident
from bot.ports import UnitOfWork
from bot.usecases.context import CoreContext


def is_assessor(actor: Actor, ctx: CoreContext) -> bool:
    user = actor.user_id.rsplit(":", 1)[-1]
    return actor.org_kind is OrgKind.MHCLG and user in ctx.policy.mhclg.assessors


def is_mhclg(actor: Actor) -> bool:
    return actor.org_kind is OrgKind.MHCLG


async def refuse(
    uow: UnitOfWork, incident: Incident, actor: Actor, action: str, message: str, ctx: CoreContext
) -> NotAuthorised:
    """Record the refused attempt, commit it, and return the error for the caller to raise."""
    incident.note("ActionRefused", actor, ctx.clock.now(), action=action)
    await uow.commit()
    return NotAuthorised(message)
