"""The post-incident report for the council itself, once MHCLG has shared it with the council.

MHCLG generates the report and decides who receives it (`sharing`): a council gets it when
MHCLG shares it "with the council" (by GOV.UK Notify, to its out-of-band contact). A council
that takes part on Teams may also read that same version where it works: the report is
rebuilt from the record (`report_issue.rebuilt`), and only the version MHCLG last shared with
the council, only for the council's own people. Providers and everyone else are refused in the
same words as anyone outside the incident, or told it has not been shared yet.
"""

from __future__ import annotations

from bot.domain.actors import Actor
from bot.domain.errors import DomainError
from bot.domain.events import EventKind, ReportGenerated
from bot.domain.report_shares import Recipient, ShareState, share_statuses
from bot.ports import UnitOfWork
from bot.usecases.authz import Who, may_open
from bot.usecases.context import CoreContext
from bot.usecases.report_issue import RecordedReport, rebuilt

COUNCIL_ONLY = "The post-incident report is for the affected council and MHCLG."
NOT_SHARED = (
    "MHCLG has not shared the latest version of the post-incident report of {reference} with "
    "your council yet; you will get it from them."
)


async def report_for_council(
    actor: Actor, key: str, uow: UnitOfWork, ctx: CoreContext
) -> RecordedReport:
    async with uow:
        incident = await may_open(uow, ctx, actor, key, Who.COUNCIL, COUNCIL_ONLY)
        events = list(await uow.timeline.for_incident(incident.id))
    generated = [e for e in events if e.kind == EventKind.REPORT_GENERATED]
    latest = ReportGenerated.read(generated[-1]).version if generated else None
    shared = {
        s.version
        for s in share_statuses(events)
        # MHCLG's decision to share counts, whether or not the email then arrived
        if s.recipient == Recipient.COUNCIL.value and s.state is not ShareState.NOT_SENT
    }
    if latest is None or int(latest) not in shared:
        raise DomainError(NOT_SHARED.format(reference=incident.reference))
    return rebuilt(incident, events, ctx)
