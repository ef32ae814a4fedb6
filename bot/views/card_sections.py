"""The card's response and checklist lines, worded once for every platform."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.engagement import Engagement
from bot.domain.incident import Incident, MouStatus
from bot.domain.report_shares import (
    FORMAT_NAMES,
    ReportFormat,
    ShareState,
    ShareStatus,
    recipient_name,
)
from bot.domain.states import State
from bot.domain.uk_time import clock_time

if TYPE_CHECKING:
    from bot.usecases.checklist import ChecklistView

MOU_LABELS = {
    MouStatus.NOT_SENT: "not sent",
    MouStatus.SENT: "sent by the provider",
    MouStatus.SIGNED: "signed by the council",
}
PRE_ACTIVATION = {State.REFERRAL_RECEIVED, State.THRESHOLD_CHECK, State.MONITORING}


def response_lines(
    incident: Incident,
    engagements: list[Engagement],
    provider_names: dict[str, str],
    now: datetime | None,
) -> list[str]:
    if incident.state in PRE_ACTIVATION or incident.state is State.WITHDRAWN:
        return []
    mou = f"MoU: {MOU_LABELS[incident.mou_status]}"
    if incident.mou_override_reason:
        mou += " (overridden by an assessor)"
    lines = [mou]
    for e in engagements:
        name = provider_names.get(e.provider_id, e.provider_id)
        if e.contact_at is not None:
            lines.append(
                f"{name}: contact made {clock_time(e.contact_at)} by {e.contact_by_name or '?'} "
                f"({e.contact_method}), {'within' if e.met_deadline else 'after'} the deadline"
            )
            continue
        line = (
            f"{name}: paged {clock_time(e.notified_at)}; contact due by {clock_time(e.deadline_at)}"
        )
        if now is not None and now > e.deadline_at:
            minutes = int((now - e.deadline_at).total_seconds() // 60)
            line += f" (OVERDUE by {minutes} min: escalating)"
        elif now is not None:
            minutes = int((e.deadline_at - now).total_seconds() // 60)
            line += f" ({minutes} min left)"
        if e.acknowledged_at is not None:
            line += f"; acknowledged by {e.acknowledged_by_name or '?'}"
        lines.append(line)
    if incident.state in {State.ERADICATION, State.RECOVERY, State.CLOSED}:
        lines.append(
            "Recovery (council-funded): "
            + ("council opted in" if incident.recovery_opt_in else "council has not opted in")
        )
    return lines


def checklist_lines(view: ChecklistView) -> list[str]:
    lines = []
    for row in view.rows:
        text = f"{row.label}: {row.status.value.replace('_', ' ')}"
        if row.done_at is not None:
            text += f" {clock_time(row.done_at)}"
        if row.reference:
            text += f", ref {row.reference}"
        if row.reason:
            text += f" ({row.reason})"
        if (
            row.item.value == "ico"
            and view.personal_data_involved
            and row.status.value == "outstanding"
        ):
            text += f"; report by {clock_time(view.ico_deadline)}"
        lines.append(text)
    return lines


_SHARE_STATES = {
    ShareState.SENDING: "sent, delivery not yet confirmed by GOV.UK Notify",
    ShareState.DELIVERED: "delivered",
    ShareState.FAILED: "FAILED",
    ShareState.NOT_SENT: "NOT sent",
    ShareState.UNCONFIRMED: "delivery never confirmed by GOV.UK Notify",
}


def report_share_lines(shares: list[ShareStatus], council_name: str) -> list[str]:
    """One line per email: to whom, which version, and what Notify says became of it."""
    lines = []
    for s in shares:
        try:
            kind = FORMAT_NAMES[ReportFormat(s.format)]
        except ValueError:
            kind = "link"  # shared before reports went as files
        line = (
            f"{recipient_name(s.recipient, council_name)} ({s.to or 'no address'}): "
            f"v{s.version} {kind}, {clock_time(s.at)}: {_SHARE_STATES[s.state]}"
        )
        if s.detail and s.state in (ShareState.FAILED, ShareState.NOT_SENT):
            line += f" ({s.detail})"
        lines.append(line)
    return lines
