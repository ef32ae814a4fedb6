"""Sharing the post-incident report with MHCLG, the NCSC and GC3, and who may see it.

Only MHCLG shares, only to the configured recipients (never to another council), by GOV.UK
Notify email carrying the file's link. Every attempt is logged with its outcome, a failure as
much as a success: "we sent it" must be provable, and "we tried and it bounced" must be visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.domain.actors import Actor
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.notify_port import Delivery, Notifier
from bot.policy.followups import Followups
from bot.ports import UnitOfWork
from bot.usecases.authz import NOT_YOURS, Act, Who, authorised
from bot.usecases.context import CoreContext
from bot.usecases.loading import load_incident
from bot.views.sanitise import sanitise

MHCLG_ONLY = "Only MHCLG can share the post-incident report."
GENERATED = "ReportGenerated"
ROUTE = "notify_email_link"
REPORT_STATES = frozenset({State.CLOSED, State.REPORT_ISSUED})


class Recipient(StrEnum):
    MHCLG = "mhclg"
    NCSC = "ncsc"
    GC3 = "gc3"


class SharingDeps(Protocol):
    """What sharing needs from outside; the firing deps (FiringDeps) fit this shape."""

    @property
    def notifier(self) -> Notifier: ...


@dataclass(frozen=True)
class ShareReport:
    actor: Actor
    incident: str  # id or CIR reference
    recipient: str
    # "" shares the newest generated report; looked up only once the sharer is authorised, so
    # nobody learns from the answer whether a report (or the incident) exists
    report_url: str = ""


async def share_report(
    cmd: ShareReport,
    uow: UnitOfWork,
    ctx: CoreContext,
    followups: Followups,
    deps: SharingDeps,
) -> Delivery:
    try:
        recipient = Recipient(cmd.recipient)
    except ValueError:
        raise InvalidInput(
            f"The report is shared with mhclg, ncsc or gc3, not {cmd.recipient!r}.",
            {"recipient": "Choose MHCLG, NCSC or GC3."},
        ) from None
    async with uow:
        incident = await authorised(
            uow, ctx, cmd.actor, cmd.incident, Act.SHARE_REPORT, Who.MHCLG, MHCLG_ONLY,
            for_update=False,
        )  # fmt: skip
        if incident.state not in REPORT_STATES:
            raise DomainError(
                f"{incident.reference} is {incident.state.label.lower()}: the post-incident "
                "report is shared after closure."
            )
        reference = str(incident.reference)
        url = cmd.report_url.strip() or await _latest_url(uow, incident)
    if not url:
        raise DomainError("Generate the report first; there is nothing to share yet.")
    if not url.startswith("https://"):
        raise InvalidInput("The report link must be an https:// address.", {"report_url": url})
    to = followups.report_recipients[recipient.value]
    subject, body = share_email(incident, url, cmd.actor.name)
    delivery = await deps.notifier.send_email(to.email, subject, body, reference=reference)
    async with uow:
        incident = await load_incident(uow, incident.id, for_update=True)
        incident.note(
            "ReportShared",
            cmd.actor,
            ctx.clock.now(),
            recipient=recipient.value,
            route=ROUTE,
            by=cmd.actor.user_id,
            ok=delivery.ok,
            error=delivery.error,
        )
        await uow.commit()
    return delivery


async def _latest_url(uow: UnitOfWork, incident: Incident) -> str:
    generated = [e for e in await uow.timeline.for_incident(incident.id) if e.kind == GENERATED]
    return str(generated[-1].data.get("url", "")) if generated else ""


def share_email(incident: Incident, url: str, sharer: str) -> tuple[str, str]:
    """The share's email. The link is the bot's own (live on purpose); the sharer's name is
    Slack's display name, typed by a person, so it is sanitised like any typed text."""
    reference = str(incident.reference)
    return (
        f"[{incident.marking.value}] Post-incident report {reference}",
        f"The post-incident report for {reference} is ready.\n\n"
        f"Download it here: {url}\n\n"
        f"Shared by {sanitise(sharer)}, MHCLG Cyber Incident Response.",
    )


async def authorise_report_view(
    actor: Actor, key: str, uow: UnitOfWork, ctx: CoreContext
) -> Incident:
    """A council sees its own incident's report only; a refused look is on the record."""
    async with uow:
        incident = await authorised(
            uow, ctx, actor, key, Act.VIEW_REPORT, Who.VIEWER, NOT_YOURS, for_update=False
        )
    return incident
