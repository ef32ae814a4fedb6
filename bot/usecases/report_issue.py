"""Issuing the post-incident report: MHCLG generates it from the timeline, the edge renders and
files it, and the record says which version was produced, with a hash of the exact bytes, so a
copy found later can be matched to what the bot produced (or shown not to be).

A version can be rebuilt byte for byte later (`recorded_report`): the record keeps the time it
was generated at and the last timeline event it was built from, so a share sends the exact file
that was filed, checked against its recorded hash, without the bot storing the files itself.

Generating does not change the incident's state: lessons may still arrive after a first draft,
and MHCLG may generate again (the next version). The incident moves CLOSED → REPORT_ISSUED when
the report first leaves for a recipient (a share Notify accepted, see `sharing`), because
"issued" is a fact about the outside world, not about a file in a channel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.actors import Actor
from bot.domain.errors import DomainError
from bot.domain.events import EventKind, ReportGenerated
from bot.domain.incident import Incident, Marking
from bot.domain.purge import purged_on
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from bot.ports import UnitOfWork
from bot.reporting import Report, build_report
from bot.usecases.authz import Act, Who, authorised
from bot.usecases.context import CoreContext
from bot.usecases.sharing import MHCLG_ONLY as MHCLG_SHARES
from bot.usecases.sharing import REPORT_STATES

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
    through_seq: int = 0  # the last timeline event the report was built from


def refuse_if_purged(incident: Incident, events: Sequence[TimelineEvent]) -> None:
    """After a retention purge the record no longer holds what the report said: a report built
    now would carry "[purged]" where the facts were, and a version filed before cannot be
    rebuilt to match its hash. Neither is made; the copies already sent stay with their
    recipients (and Notify keeps its copy only its own retention period)."""
    purged = purged_on(events)
    if purged is not None:
        raise DomainError(
            f"{incident.reference}'s personal data was purged on {purged:%d %B %Y} under the "
            "retention policy (config/retention.yml): its post-incident report can no longer "
            "be generated or shared."
        )


def _build(
    incident: Incident, events: Sequence[TimelineEvent], ctx: CoreContext, generated_at: datetime
) -> Report:
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
        generated_at=generated_at,
        questionnaire=ctx.policy.questionnaire,
        provider_names={p.id: p.name for p in ctx.policy.providers.values()},
    )
    if not ctx.mode.exercise:
        return report
    # an exercise's report says so wherever its marking is shown: every page of the PDF
    marked = replace(report.header, marking=ctx.mode.mark(report.header.marking))
    return replace(report, header=marked)


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
    refuse_if_purged(incident, events)
    report = _build(incident, events, ctx, ctx.clock.now())
    version = 1 + sum(1 for e in events if e.kind == EventKind.REPORT_GENERATED)
    through = events[-1].seq if events else 0
    return ReportDraft(incident=incident, report=report, version=version, through_seq=through)


@dataclass(frozen=True)
class RecordedReport:
    """The newest version generated, rebuilt from the record, with the hashes it was filed
    with: the edge renders it again and the share checks the bytes against these."""

    draft: ReportDraft
    sha256: str  # of the PDF
    markdown_sha256: str


async def recorded_report(
    actor: Actor, key: str, uow: UnitOfWork, ctx: CoreContext
) -> RecordedReport:
    """The latest generated version as it was generated: the events it was built from (up to
    its `through_seq`), the incident as it stood and the same generation time."""
    async with uow:
        incident = await authorised(
            uow, ctx, actor, key, Act.SHARE_REPORT, Who.MHCLG, MHCLG_SHARES, for_update=False
        )
        events = list(await uow.timeline.for_incident(incident.id))
    return rebuilt(incident, events, ctx)


def rebuilt(
    incident: Incident, events: Sequence[TimelineEvent], ctx: CoreContext
) -> RecordedReport:
    """The latest generated version rebuilt from `events` (the incident's whole timeline), for
    whoever the caller has already authorised."""
    refuse_if_purged(incident, events)
    generated = [e for e in events if e.kind == EventKind.REPORT_GENERATED]
    if not generated:
        raise DomainError("Generate the report first; there is nothing to share yet.")
    record = ReportGenerated.read(generated[-1])
    through, at = record.through_seq, record.generated_at
    if not isinstance(through, int) or not isinstance(at, str):
        raise DomainError(
            f"Version {record.version} of the report was generated before reports "
            "could be sent as files; generate a new version and share that."
        )
    marking = str(record.marking or incident.marking.value)
    if marking != incident.marking.value:
        raise DomainError(
            f"{incident.reference} is now {incident.marking.value}, but version "
            f"{record.version} of the report is marked {marking}; generate a new "
            "version and share that."
        )
    source = [e for e in events if e.seq <= through]
    # as it stood then: a first share moves it to "report issued", which version 1 did not say
    then = replace(
        incident,
        state=State(str(record.state or incident.state.value)),
        marking=Marking(marking),
    )
    report = _build(then, source, ctx, datetime.fromisoformat(at))
    version = int(record.version if record.version is not None else len(generated))
    return RecordedReport(
        draft=ReportDraft(then, report, version, through),
        sha256=str(record.sha256),
        markdown_sha256=str(record.markdown_sha256),
    )


@dataclass(frozen=True)
class RecordReportGenerated:
    actor: Actor
    incident: str
    version: int
    sha256: str  # of the PDF, the copy that is shared
    markdown_sha256: str
    url: str  # where the filed PDF can be opened in the incident's channel
    generated_at: datetime | None = None  # the report's own generation time
    through_seq: int = 0  # the last timeline event it was built from
    state: str = ""  # the incident's state and marking the report was built with
    marking: str = ""

    @classmethod
    def of(
        cls, actor: Actor, draft: ReportDraft, pdf: bytes, markdown: bytes, url: str
    ) -> RecordReportGenerated:
        """The record of `draft` rendered as `pdf` and `markdown`: everything `recorded_report`
        needs to rebuild the same bytes later."""
        return cls(
            actor,
            draft.incident.id,
            draft.version,
            sha256=hashlib.sha256(pdf).hexdigest(),
            markdown_sha256=hashlib.sha256(markdown).hexdigest(),
            url=url,
            generated_at=draft.report.header.generated_at,
            through_seq=draft.through_seq,
            state=draft.incident.state.value,
            marking=draft.incident.marking.value,
        )


async def record_report_generated(
    cmd: RecordReportGenerated, uow: UnitOfWork, ctx: CoreContext
) -> Incident:
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.GENERATE_REPORT, Who.MHCLG, MHCLG_ONLY
        )
        generated = ReportGenerated(
            version=cmd.version,
            sha256=cmd.sha256,
            markdown_sha256=cmd.markdown_sha256,
            url=cmd.url,
            generated_at=cmd.generated_at.isoformat() if cmd.generated_at else None,
            through_seq=cmd.through_seq,
            state=cmd.state,
            marking=cmd.marking,
        )
        incident.note(generated, cmd.actor, ctx.clock.now())
        await uow.commit()
    return incident
