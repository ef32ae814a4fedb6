"""Deadlines are rows: the database, not the scheduler, is the source of truth for what is due.

A deadline fires exactly once: a conditional claim (`state = 'pending'`) wins it, and the firing
happens inside the transaction that holds the incident's lock, so a concurrent "contact made"
either cancels it first or waits until it has fired.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class DeadlineKind(StrEnum):
    CONTACT_REMINDER = "contact_reminder"
    CONTACT_ESCALATION = "contact_escalation"
    REVIEW_REMINDER = "review_reminder"
    INFO_REMINDER = "info_reminder"
    ICO_REMINDER = "ico_reminder"
    UPDATE_PROMPT = "update_prompt"
    LESSONS_REMINDER = "lessons_reminder"
    PROVIDER_PAGE = "provider_page"  # due at activation: the page must survive a restart
    ACTIVATION_EMAIL = "activation_email"  # due at activation: the council's confirmation
    REPORT_DELIVERY_CHECK = "report_delivery_check"  # asks Notify what became of a shared report
    # an escalation's routes that did not get through, tried again on their own (firing.contact)
    ESCALATION_RETRY = "escalation_retry"
    MONTHLY_FIGURES = "monthly_figures"  # service-wide: no incident (bot.domain.monthly_post)
    RETENTION_PURGE = "retention_purge"  # service-wide: no incident (bot.domain.daily_purge)


# Among deadlines already due, who is waiting on them decides the order: a provider's page and
# the contact ladder first (a council is waiting on a 30-minute clock), everything else after.
# Under a burst (many councils at once) this keeps pages and escalations ahead of emails and
# follow-up reminders.
URGENCY: dict[DeadlineKind, int] = {
    DeadlineKind.PROVIDER_PAGE: 0,
    DeadlineKind.CONTACT_ESCALATION: 1,
    DeadlineKind.CONTACT_REMINDER: 1,
    DeadlineKind.ESCALATION_RETRY: 1,
}
URGENT_KINDS = frozenset(URGENCY)


class DeadlineState(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


@dataclass
class Deadline:
    id: str
    incident_id: str
    kind: DeadlineKind
    due_at: datetime
    level: int = 0
    state: DeadlineState = DeadlineState.PENDING
    payload: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    fired_at: datetime | None = None
    claimed_by: str = ""
    attempts: int = 0


FIRST_RETRY = timedelta(seconds=15)
MAX_RETRY = timedelta(minutes=5)


def retry_backoff(attempts: int) -> timedelta:
    """How long something that failed `attempts` times waits before the next try: 15 s, 30 s,
    1 min, 2 min, 4 min, then every 5 min. Long enough not to hammer a service that is down,
    short enough that an escalation goes out within minutes of it coming back. The scheduler
    uses it for a whole firing; the contact ladder for each route left undelivered."""
    exponent = min(max(attempts, 1) - 1, 16)  # beyond 16 doublings the cap applies anyway
    wait: timedelta = FIRST_RETRY * (2**exponent)
    return min(wait, MAX_RETRY)
