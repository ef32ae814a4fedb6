"""Who the report was sent to, and what GOV.UK Notify later said became of each email."""

from __future__ import annotations

from bot.domain.events import ReportShared
from bot.domain.report_shares import ShareState, share_statuses
from bot.reporting.record import Record
from bot.reporting.report import Share
from bot.reporting.words import OrgNames, clean, format_name, share_route

_SHARE_WORDS = {
    ShareState.SENDING: "sent (delivery not confirmed)",
    ShareState.DELIVERED: "delivered",
    ShareState.FAILED: "NOT delivered",
    ShareState.NOT_SENT: "NOT sent",
    ShareState.UNCONFIRMED: "delivery never confirmed",
}


def shares(record: Record, names: OrgNames) -> tuple[Share, ...]:
    """Each email of the report, with what GOV.UK Notify later said became of it."""
    rows = []
    shared = record.all(ReportShared)
    for event, status in zip(shared, share_statuses(record.events), strict=True):
        kind = format_name(clean(event.payload.format))
        failed = status.state in (ShareState.FAILED, ShareState.NOT_SENT)
        words = _SHARE_WORDS[status.state]
        rows.append(
            Share(
                event.at,
                names.recipient(status.recipient),
                share_route(clean(event.payload.route)),
                event.actor_name,
                delivered=status.state is ShareState.DELIVERED,
                error=status.detail if failed else "",
                to=status.to,
                version=f"{status.version} ({kind})" if status.version else "",
                status=f"{words}: {status.detail}" if failed and status.detail else words,
            )
        )
    return tuple(rows)
