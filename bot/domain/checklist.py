"""The notifications checklist: the other bodies a council should tell, and whether it has.

Each item is outstanding, done (when, and the reference the body gave) or not needed (why). The
ICO's 72 hours count from when the council became aware (the referral's detection time), not
from when MHCLG heard of it, so a late referral leaves less time and the reminders say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.events import NotificationItemUpdated


class ItemKind(StrEnum):
    ICO = "ico"
    ACTION_FRAUD = "action_fraud"
    WARP = "warp"
    NCSC = "ncsc"


class ItemStatus(StrEnum):
    OUTSTANDING = "outstanding"
    DONE = "done"
    NOT_NEEDED = "not_needed"


# The ICO and Action Fraud both give a reference when a report is made (case reference, crime
# reference number); it is the evidence the report happened, so "done" needs it. A WARP or the
# NCSC may be told by phone or email without one.
REFERENCE_REQUIRED = frozenset({ItemKind.ICO, ItemKind.ACTION_FRAUD})


@dataclass
class ChecklistItem:
    incident_id: str
    item: ItemKind
    status: ItemStatus = ItemStatus.OUTSTANDING
    reference: str = ""
    reason: str = ""
    done_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by: str = ""

    def event(self) -> NotificationItemUpdated:
        """The timeline's record of this item's change, which the report generator reads."""
        return NotificationItemUpdated(
            item=self.item.value,
            status=self.status.value,
            reference=self.reference,
            done_at=self.done_at.isoformat() if self.done_at else "",
            reason=self.reason,
        )


def new_checklist(incident_id: str, now: datetime) -> list[ChecklistItem]:
    return [ChecklistItem(incident_id, kind, updated_at=now) for kind in ItemKind]


def ico_deadline(detected_at: datetime, deadline: timedelta = timedelta(hours=72)) -> datetime:
    return detected_at + deadline


def ico_reminder_times(
    detected_at: datetime, hours: Sequence[int], now: datetime
) -> list[tuple[int, datetime]]:
    """When to remind, as (hours after awareness, due time).

    Reminders already in the past when the checklist is created (a referral logged late) are
    collapsed into one, due now, named after the latest mark passed: a council told of two
    overdue reminders in the same minute learns nothing from the second.
    """
    marks = [(h, detected_at + timedelta(hours=h)) for h in sorted(hours)]
    past = [(h, due) for h, due in marks if due <= now]
    future = [(h, due) for h, due in marks if due > now]
    return ([(past[-1][0], now)] if past else []) + future
