"""What the service offers outside any one incident: the duty manager's number, the council
register and the referral form. Each is for the people the service needs it for (MHCLG's CIR
team, and the providers for the duty manager, whom they call when a response needs MHCLG), not
for anyone who happens to share a Slack channel with the bot: a phone number and the list of
councils are not public, and a referral form shown to an outsider invites a fake incident.
"""

from __future__ import annotations

from bot.domain.actors import Actor, OrgKind
from bot.domain.errors import NotAuthorised
from bot.policy.model import Contact, Council
from bot.usecases.context import CoreContext
from bot.views.clock import LONDON

REFERRAL_BY = "Only MHCLG's CIR team can log a referral."
DUTY_FOR = "The duty manager's details are for MHCLG's CIR team and the providers."
REGISTER_FOR = "The council register is for MHCLG's CIR team."
DUTY_KINDS = frozenset({OrgKind.MHCLG, OrgKind.PROVIDER})


def may_log_referral(actor: Actor) -> bool:
    return actor.org_kind in {OrgKind.MHCLG, OrgKind.SYSTEM}


def authorise_referral(actor: Actor) -> None:
    """Before a referral form opens, and again when it is submitted."""
    if not may_log_referral(actor):
        raise NotAuthorised(REFERRAL_BY)


def duty_manager(actor: Actor, ctx: CoreContext) -> Contact | None:
    """Today's duty manager (London date), or None if the rota names nobody."""
    if actor.org_kind not in DUTY_KINDS:
        raise NotAuthorised(DUTY_FOR)
    return ctx.policy.mhclg.duty_manager(ctx.clock.now().astimezone(LONDON).date())


def search_councils(actor: Actor, query: str, ctx: CoreContext, limit: int = 100) -> list[Council]:
    """Councils whose name, id or region contains `query`, by name, for the referral form."""
    if not may_log_referral(actor):
        raise NotAuthorised(REGISTER_FOR)
    q = query.strip().lower()
    matches = [
        c
        for c in sorted(ctx.policy.councils.values(), key=lambda c: c.name)
        if q in c.name.lower() or q in c.id or q in c.region.lower()
    ]
    return matches[:limit]
