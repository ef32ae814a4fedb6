"""Sharing the post-incident report with the council, MHCLG, the NCSC and GC3, and who may see it.

Only MHCLG shares, only to the configured recipients and the incident's own council (never to
another council). The report goes as a file by GOV.UK Notify's "send a file by email": each
address gets a link to Notify's download page, which asks for that email address first, so the
people outside the incident's Slack channel can open it (a link into Slack opened nothing for
them). The file sent is the version recorded at generation: the edge renders it again and the
bytes must match the recorded SHA-256, so what was sent is provably what was filed.

The council's copy goes to its out-of-band addresses: the referral's contact (the person who
dealt with the incident, on an address the council said is safe) and the contacts the register
(config/councils.yml) holds for the council, each once. Its own tenant's mail may have been in
the attacker's hands, which is why neither is taken from the council's Slack users.

Every email is logged with its outcome, a failure as much as a success: "we sent it" must be
provable, and "we tried and it bounced" must be visible. Notify accepting an email is followed
by delivery checks (deadline rows) that ask Notify what became of it.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Protocol

from bot.domain.actors import Actor
from bot.domain.deadline_payloads import ReportDeliveryCheckDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.events import EventKind, ReportGenerated, ReportShared
from bot.domain.incident import Incident
from bot.domain.report_shares import (
    DELIVERY_CHECKS,
    FORMAT_NAMES,
    RECIPIENT_NAMES,
    ROUTE,
    Recipient,
    ReportFormat,
)
from bot.domain.states import State
from bot.policy.followups import Followups
from bot.policy.model import Council
from bot.ports import UnitOfWork
from bot.ports.notify import FILE_LIMIT_BYTES, Attachment, Delivery, Notifier
from bot.usecases.authz import NOT_YOURS, Act, Who, authorised
from bot.usecases.context import CoreContext
from bot.usecases.loading import load_incident
from bot.views.sanitise import sanitise

MHCLG_ONLY = "Only MHCLG can share the post-incident report."
REPORT_STATES = frozenset({State.CLOSED, State.REPORT_ISSUED})

__all__ = ["Recipient", "ReportFormat", "ShareReport", "share_report"]


class SharingDeps(Protocol):
    """What sharing needs from outside; the firing deps (FiringDeps) fit this shape."""

    @property
    def notifier(self) -> Notifier: ...


@dataclass(frozen=True)
class ReportFile:
    """A rendered version of the report, as the edge produced it for sending."""

    version: int
    format: ReportFormat
    content: bytes
    filename: str


@dataclass(frozen=True)
class ShareReport:
    actor: Actor
    incident: str  # id or CIR reference
    recipient: str
    file: ReportFile


class FileTooLarge(DomainError):
    """Notify sends files up to 2 MB by email; nothing was sent. The edge offers the other
    format (the Markdown is a fraction of the PDF's size)."""

    def __init__(self, message: str, size: int, file_format: ReportFormat) -> None:
        super().__init__(message)
        self.size = size
        self.format = file_format


@dataclass(frozen=True)
class Addressee:
    name: str
    email: str


@dataclass(frozen=True)
class ShareOutcome:
    recipient: Recipient
    version: int
    format: ReportFormat
    sent: tuple[tuple[Addressee, Delivery], ...]

    @property
    def ok(self) -> bool:
        """At least one address accepted by Notify (delivery is checked later)."""
        return any(d.ok for _, d in self.sent)


def size_text(size: int) -> str:
    """Sizes as people read them: '1.4 MB', '85 KB' (1 MB = 1024 KB, as Notify counts)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def _recipient(value: str) -> Recipient:
    try:
        return Recipient(value)
    except ValueError:
        names = ", ".join(RECIPIENT_NAMES[r] for r in Recipient)
        raise InvalidInput(
            f"The report is shared with {names}, not {value!r}.",
            {"recipient": f"Choose one of {names}."},
        ) from None


def council_addressees(incident: Incident, council: Council | None) -> list[Addressee]:
    """The referral's out-of-band contact first, then the register's contacts; each address
    once, compared without case."""
    referral = incident.referral
    found = [Addressee(referral.contact_name, referral.contact_email)]
    found += [Addressee(c.name, c.email) for c in (council.contacts if council else ())]
    seen: set[str] = set()
    unique = []
    for a in found:
        if a.email.strip() and a.email.strip().casefold() not in seen:
            seen.add(a.email.strip().casefold())
            unique.append(Addressee(a.name, a.email.strip()))
    return unique


def _addressees(
    recipient: Recipient, incident: Incident, ctx: CoreContext, followups: Followups
) -> list[Addressee]:
    if recipient is Recipient.COUNCIL:
        found = council_addressees(incident, ctx.policy.councils.get(incident.council_id))
        if not found:
            raise DomainError(
                f"{incident.reference} has no email address for the council: neither the "
                "referral nor config/councils.yml gives one. Nothing was sent."
            )
        return found
    configured = followups.report_recipients[recipient.value]
    return [Addressee(configured.name, configured.email)]


def _check_file(incident: Incident, latest: ReportGenerated, file: ReportFile) -> str:
    """The file must be the newest recorded version, byte for byte; returns its SHA-256."""
    version = latest.version
    if file.version != version:
        raise DomainError(
            f"Version {file.version} is not the newest report of {incident.reference} "
            f"(version {version} is); share the newest."
        )
    digest = hashlib.sha256(file.content).hexdigest()
    generated = latest.sha256 if file.format is ReportFormat.PDF else latest.markdown_sha256
    if digest != generated:
        raise DomainError(
            f"The {FORMAT_NAMES[file.format]} of version {version} could not be reproduced "
            "exactly as it was generated (its SHA-256 differs), so it was not sent. Generate a "
            "new version and share that."
        )
    size = len(file.content)
    if size > FILE_LIMIT_BYTES:
        raise FileTooLarge(
            f"The {FORMAT_NAMES[file.format]} of {incident.reference} version {version} is "
            f"{size_text(size)}: GOV.UK Notify sends files of up to 2 MB by email, so nothing "
            "was sent.",
            size,
            file.format,
        )
    return digest


def share_email(
    incident: Incident, to: Addressee, file: ReportFile, sharer: str, weeks: int
) -> tuple[str, str]:
    """The share's email; Notify puts the file's download link below it. The sharer's and the
    contact's names were typed by people (Slack's display name, the referral form): sanitised
    like any typed text."""
    subject = (
        f"[{incident.marking.value}] Post-incident report {incident.reference}, "
        f"version {file.version}"
    )
    body = (
        f"The post-incident report for {incident.reference}, version {file.version} "
        f"({FORMAT_NAMES[file.format]}), is ready"
        + (f" for {sanitise(to.name)}" if to.name.strip() else "")
        + ".\n\n"
        "Download it from the link below. You will be asked for this email address before the "
        f"download, and the link works for {weeks} weeks. The report is marked "
        f"{incident.marking.value}: handle it accordingly.\n\n"
        f"Shared by {sanitise(sharer)}, MHCLG Cyber Incident Response."
    )
    return subject, body


async def share_report(
    cmd: ShareReport,
    uow: UnitOfWork,
    ctx: CoreContext,
    followups: Followups,
    deps: SharingDeps,
) -> ShareOutcome:
    recipient = _recipient(cmd.recipient)
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
        events = await uow.timeline.for_incident(incident.id)
        generated = [e for e in events if e.kind == EventKind.REPORT_GENERATED]
    if not generated:
        raise DomainError("Generate the report first; there is nothing to share yet.")
    digest = _check_file(incident, ReportGenerated.read(generated[-1]), cmd.file)
    addressees = _addressees(recipient, incident, ctx, followups)
    attachment = Attachment(
        cmd.file.content, cmd.file.filename, followups.report_retention_weeks, confirm_email=True
    )

    async def send(to: Addressee) -> Delivery:
        weeks = attachment.retention_weeks
        subject, body = share_email(incident, to, cmd.file, cmd.actor.name, weeks)
        return await deps.notifier.send_file(
            to.email, subject, body, attachment, reference=str(incident.reference)
        )

    deliveries = await asyncio.gather(*(send(a) for a in addressees))
    async with uow:
        incident = await load_incident(uow, incident.id, for_update=True)
        now = ctx.clock.now()
        for to, delivery in zip(addressees, deliveries, strict=True):
            shared = ReportShared(
                recipient=recipient.value,
                to=to.email,
                route=ROUTE,
                by=cmd.actor.user_id,
                version=cmd.file.version,
                format=cmd.file.format.value,
                filename=cmd.file.filename,
                sha256=digest,
                bytes=len(cmd.file.content),
                notification_id=delivery.notification_id,
                ok=delivery.ok,
                error=delivery.error,
            )
            incident.note(shared, cmd.actor, now)
            if delivery.ok:
                await uow.deadlines.add(
                    _first_check(incident, recipient, to, delivery, cmd.file, ctx)
                )
        if any(d.ok for d in deliveries) and incident.state is State.CLOSED:
            # "issued" is a fact about the outside world: the report left for a recipient
            incident.move_to(State.REPORT_ISSUED, cmd.actor, now, recipient=recipient.value)
        await uow.commit()
    return ShareOutcome(
        recipient,
        cmd.file.version,
        cmd.file.format,
        tuple(zip(addressees, deliveries, strict=True)),
    )


def _first_check(
    incident: Incident,
    recipient: Recipient,
    to: Addressee,
    delivery: Delivery,
    file: ReportFile,
    ctx: CoreContext,
) -> Deadline:
    now = ctx.clock.now()
    return Deadline(
        id=ctx.new_id(),
        incident_id=incident.id,
        kind=DeadlineKind.REPORT_DELIVERY_CHECK,
        due_at=now + DELIVERY_CHECKS[0],
        level=1,
        payload=ReportDeliveryCheckDue(
            notification_id=delivery.notification_id,
            recipient=recipient.value,
            to=to.email,
            shared_at=now.isoformat(),
            version=file.version,
            format=file.format.value,
        ).data(),
        created_at=now,
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
