"""The notifications checklist: the bodies the council should tell, as last recorded."""

from __future__ import annotations

from bot.domain.events import NotificationItemUpdated
from bot.reporting.record import Read, Record
from bot.reporting.report import Notification
from bot.reporting.words import NOTIFICATION_LABELS, clean, parse_time


def notifications(record: Record) -> tuple[Notification, ...]:
    """The four standard items first (outstanding unless recorded), then any other recorded."""
    latest: dict[str, Read[NotificationItemUpdated]] = {}
    for event in record.all(NotificationItemUpdated):
        latest[clean(event.payload.item)] = event
    items = list(NOTIFICATION_LABELS) + [i for i in latest if i not in NOTIFICATION_LABELS]
    rows = []
    for item in items:
        found = latest.get(item)
        update = found.payload if found else None
        rows.append(
            Notification(
                item=item,
                label=NOTIFICATION_LABELS.get(item, item),
                status=(clean(update.status) if update else "").replace("_", " ") or "outstanding",
                reference=clean(update.reference) if update else "",
                done_at=parse_time(update.done_at) if update else None,
                reason=clean(update.reason) if update else "",
                updated_by=found.actor_name if found else "",
                updated_at=found.at if found else None,
            )
        )
    return tuple(rows)
