"""Sharing the post-incident report: who receives it, in which format, and what became of each
email, folded from the timeline so the card and the report say the same as the record.

Every share is one email per address through GOV.UK Notify, logged as `ReportShared`; Notify
accepting it is not delivery, so the bot asks Notify again a few times (`DELIVERY_CHECKS`, a
deadline row each) and logs the answer as `ReportDeliveryChecked`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.events import EventKind, ReportDeliveryChecked, ReportShared
from bot.domain.timeline import TimelineEvent

ROUTE = "notify_file"

# When Notify is asked about a shared report's email, counted from the share. Most emails are
# delivered within a minute; Notify keeps trying a soft-bouncing address for up to 72 hours, and
# after the last check a share still pending is shown as unconfirmed.
DELIVERY_CHECKS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=24),
    timedelta(hours=72),
)


class Recipient(StrEnum):
    COUNCIL = "council"
    MHCLG = "mhclg"
    NCSC = "ncsc"
    GC3 = "gc3"


# As the names are written in documents and messages, never as the ids.
RECIPIENT_NAMES = {
    Recipient.COUNCIL: "the council",
    Recipient.MHCLG: "MHCLG",
    Recipient.NCSC: "NCSC",
    Recipient.GC3: "GC3",
}


def recipient_name(value: str, council_name: str = "") -> str:
    """'ncsc' -> 'NCSC'; 'council' -> the council's name when known."""
    try:
        recipient = Recipient(value)
    except ValueError:
        return value
    if recipient is Recipient.COUNCIL and council_name:
        return council_name
    return RECIPIENT_NAMES[recipient]


class ReportFormat(StrEnum):
    PDF = "pdf"
    MARKDOWN = "md"


FORMAT_NAMES = {ReportFormat.PDF: "PDF", ReportFormat.MARKDOWN: "Markdown"}


class ShareState(StrEnum):
    NOT_SENT = "not sent"  # Notify refused or could not be reached
    SENDING = "sending"  # accepted by Notify; delivery not yet known
    DELIVERED = "delivered"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"  # Notify never said, within the checks


@dataclass(frozen=True)
class ShareStatus:
    recipient: str
    to: str
    version: int
    format: str
    at: datetime
    state: ShareState
    detail: str  # Notify's status word or error, safe to show
    notification_id: str


def share_statuses(events: Iterable[TimelineEvent]) -> list[ShareStatus]:
    """One status per email sent, in the order sent, with the latest check applied."""
    shares: dict[str, ShareStatus] = {}
    order: list[str] = []
    for event in events:
        if event.kind == EventKind.REPORT_SHARED:
            shared = ReportShared.read(event)
            key = str(shared.notification_id or f"seq:{event.seq}")
            ok = bool(shared.ok)
            shares[key] = ShareStatus(
                recipient=str(shared.recipient),
                to=str(shared.to),
                version=int(shared.version or 0),
                format=str(shared.format),
                at=event.at,
                state=ShareState.SENDING if ok else ShareState.NOT_SENT,
                detail="" if ok else str(shared.error),
                notification_id=str(shared.notification_id),
            )
            order.append(key)
        elif event.kind == EventKind.REPORT_DELIVERY_CHECKED:
            checked = ReportDeliveryChecked.read(event)
            key = str(checked.notification_id)
            if key in shares:
                shares[key] = _checked(shares[key], str(checked.state), str(checked.detail))
    return [shares[k] for k in order]


def _checked(share: ShareStatus, state: str, detail: str) -> ShareStatus:
    mapped = {
        "delivered": ShareState.DELIVERED,
        "failed": ShareState.FAILED,
        "pending": ShareState.UNCONFIRMED,
        "unknown": ShareState.UNCONFIRMED,
    }.get(state, ShareState.UNCONFIRMED)
    return replace(share, state=mapped, detail=detail)
