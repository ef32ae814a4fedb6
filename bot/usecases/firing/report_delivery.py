"""Asking GOV.UK Notify what became of a shared report's email.

Notify accepting an email says nothing about the inbox: an address can bounce (permanent
failure), be full (temporary failure) or Notify's provider can fail (technical failure). Each
check is a deadline row; a final answer (delivered or failed) is logged on the timeline,
posted in the incident's channel when it failed (MHCLG then sends the report another way) and
shown on the card. A pending answer schedules the next check; after the last one the share is
logged as unconfirmed rather than left looking as if it might still arrive.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.actors import SYSTEM
from bot.domain.deadline_payloads import ReportDeliveryCheckDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.events import ReportDeliveryChecked
from bot.domain.incident import Incident
from bot.domain.report_shares import DELIVERY_CHECKS, recipient_name
from bot.ports import UnitOfWork
from bot.ports.chat import OutboundMessage
from bot.ports.notify import DeliveryState, DeliveryStatus
from bot.usecases.firing.outcomes import attempt_chat

if TYPE_CHECKING:
    from bot.usecases.firing import FireFn, FiringDeps


log = logging.getLogger(__name__)


async def _status(deps: FiringDeps, notification_id: str) -> DeliveryStatus:
    try:
        return await deps.notifier.status(notification_id)
    except Exception as exc:  # an adapter's bug must not stop the checks of the others
        log.warning("delivery check raised %s", type(exc).__name__, exc_info=True)
        return DeliveryStatus(DeliveryState.UNKNOWN, f"unexpected {type(exc).__name__}")


def _failed_message(incident: Incident, recipient: str, to: str, detail: str) -> OutboundMessage:
    return OutboundMessage(
        title=f"Post-incident report not delivered: {incident.reference}",
        text=(
            f"GOV.UK Notify could not deliver the post-incident report of {incident.reference} "
            f"to {to} ({recipient_name(recipient)}): {detail}. Check the address and share it "
            "again, or send it another way."
        ),
        marking=incident.marking.value,
        urgent=False,
    )


async def fire_delivery_check(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await uow.incidents.get_for_update(deadline.incident_id)
    now = deps.ctx.clock.now()
    if incident is None:
        await uow.deadlines.mark_cancelled(deadline, now)
        return
    due = ReportDeliveryCheckDue.of(deadline)
    notification_id = str(due.notification_id)
    status = await _status(deps, notification_id)
    level = max(deadline.level, 1)
    if not status.final and level < len(DELIVERY_CHECKS):
        shared_at = datetime.fromisoformat(str(due.shared_at))
        await uow.deadlines.add(
            Deadline(
                id=deps.ctx.new_id(),
                incident_id=incident.id,
                kind=DeadlineKind.REPORT_DELIVERY_CHECK,
                due_at=max(now, shared_at + DELIVERY_CHECKS[level]),
                level=level + 1,
                payload=dict(deadline.payload),
                created_at=now,
            )
        )
        return
    recipient = str(due.recipient)
    checked = ReportDeliveryChecked(
        notification_id=notification_id,
        recipient=recipient,
        to=str(due.to),
        version=due.version,
        format=due.format,
        state=status.state.value,
        detail=status.detail,
        check=level,
    )
    incident.note(checked, SYSTEM, now)
    if status.state is DeliveryState.FAILED:
        message = _failed_message(incident, recipient, str(due.to), status.detail)
        await attempt_chat(deps.chat.to_incident(incident.id, message), "incident")


HANDLERS: dict[DeadlineKind, FireFn] = {
    DeadlineKind.REPORT_DELIVERY_CHECK: fire_delivery_check,
}
