"""Issuing the post-incident report: MHCLG generates it from the timeline, the edge renders and
files it, and the record says which version was produced, with a hash of the exact bytes, so a
copy found later can be matched to what the bot produced (or shown not to be).

Generating does not change the incident's state: lessons may still arrive after a first draft,
and MHCLG may generate again (the next version). The incident moves CLOSED → REPORT_ISSUED when
the report first *reaches* a recipient, a delivered share, because "issued" is a fact about the
outside world, not about a file in a channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.actors import Actor
from bot.domain.errors import DomainError
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.ports import UnitOfWork
from bot.reporting import Report, build_report
from bot.usecases.authz import Act, Who, authorised, is_mhclg
from bot.usecases.context import CoreContext
from bot.usecases.loading import load_incident
from bot.usecases.sharing import GENERATED, REPORT_STATES

MHCLG_ONLY = "Only MHCLG can generate the post-incident report."


@dataclass(frozen=True)
class GenerateReport:
    actor: Actor
    incident: str  # id or CIR reference


@dataclass(frozen=True)
class ReportDraft:
    incident: Incident
    report: Report
    version: int  # 1 for the first report generated for this incident


async def prepare_report(cmd: GenerateReport, uow: UnitOfWork, ctx: CoreContext) -> ReportDraft:
    """Build the report from the incident's own timeline; nothing is recorded until the edge
    has rendered and filed it (`record_report_generated`)."""
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.GENERATE_REPORT, Who.MHCLG, MHCLG_ONLY,
            for_update=False,
        )  # fmt: skip
        if incident.state not in REPORT_STATES:
            raise DomainError(
                f"{incident.reference} is {incident.state.label.lower()}: the post-incident "
                "report is generated once the incident is closed."
            )
        events = list(await uow.timeline.for_incident(incident.id))
    council = ctx.policy.councils.get(incident.council_id)
    if council is None:
        raise DomainError(
            f"{incident.reference}'s council {incident.council_id!r} is no longer in "
            "config/councils.yml; add it back to generate the report."
        )
    report = build_report(
        incident,
        council,
        events,
        generated_at=ctx.clock.now(),
        questionnaire=ctx.policy.questionnaire,
        provider_names={p.id: p.name for p in ctx.policy.providers.values()},
    )
    version = 1 + sum(1 for e in events if e.kind == GENERATED)
    return ReportDraft(incident=incident, report=report, version=version)


@dataclass(frozen=True)
class RecordReportGenerated:
    actor: Actor
    incident: str
    version: int
    sha256: str  # of the PDF, the copy that is shared
    markdown_sha256: str
    url: str  # where the filed PDF can be opened; what a share sends


async def record_report_generated(
    cmd: RecordReportGenerated, uow: UnitOfWork, ctx: CoreContext
) -> Incident:
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.GENERATE_REPORT, Who.MHCLG, MHCLG_ONLY
        )
        incident.note(
            GENERATED,
            cmd.actor,
            ctx.clock.now(),
            version=cmd.version,
            sha256=cmd.sha256,
            markdown_sha256=cmd.markdown_sha256,
            url=cmd.url,
        )
        await uow.commit()
    return incident


@dataclass(frozen=True)
class MarkReportIssued:
    actor: Actor
    incident: str


async def mark_report_issued(cmd: MarkReportIssued, uow: UnitOfWork, ctx: CoreContext) -> bool:
    """Move CLOSED → REPORT_ISSUED once a share was delivered; True if it moved now. Checks the
    timeline itself rather than trusting the caller that a delivery happened."""
    async with uow:
        incident = await load_incident(uow, cmd.incident, for_update=True)
        if incident.state is not State.CLOSED or not is_mhclg(cmd.actor):
            return False
        events = await uow.timeline.for_incident(incident.id)
        delivered = [e for e in events if e.kind == "ReportShared" and e.data.get("ok")]
        if not delivered:
            return False
        incident.move_to(
            State.REPORT_ISSUED,
            cmd.actor,
            ctx.clock.now(),
            recipient=str(delivered[0].data.get("recipient", "")),
        )
        await uow.commit()
    return True
