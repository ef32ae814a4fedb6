"""The contact ladder as data: which deadlines a notification creates, and what the card shows.

Pure functions of the notification time and the configured ladder, so the same answer comes out
at creation, on the incident card and in tests; the rows they produce are the source of truth
the scheduler fires from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.deadline_payloads import ContactEscalationDue, ContactStepDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.policy.model import Ladder

STEP_KINDS = {
    "reminder": DeadlineKind.CONTACT_REMINDER,
    "escalation": DeadlineKind.CONTACT_ESCALATION,
}
STEP_PAYLOADS: dict[DeadlineKind, type[ContactStepDue]] = {
    DeadlineKind.CONTACT_REMINDER: ContactStepDue,
    DeadlineKind.CONTACT_ESCALATION: ContactEscalationDue,
}


def contact_deadline_at(notified_at: datetime, ladder: Ladder) -> datetime:
    return notified_at + ladder.contact_deadline


def repeat_after(ladder: Ladder) -> timedelta | None:
    """How often the last escalation repeats until contact is recorded: the gap between the
    last two escalation steps, so it scales with the contact deadline as they do. None with
    fewer than two escalation steps, where there is no gap to repeat."""
    offsets = sorted(step.offset for step in ladder.steps if step.kind == "escalation")
    if len(offsets) < 2 or offsets[-1] <= offsets[-2]:
        return None
    return offsets[-1] - offsets[-2]


def contact_ladder(
    incident_id: str, notified_at: datetime, ladder: Ladder, new_id: Callable[[], str]
) -> list[Deadline]:
    """One deadline per step; the payload carries what the firing needs without re-reading
    the policy, so a policy edit after notification does not change a running ladder. The last
    escalation's payload has `repeat_after` (seconds): the firing then adds the next level."""
    deadline_at = contact_deadline_at(notified_at, ladder).isoformat()
    every = repeat_after(ladder)
    last = _last_escalation(ladder)
    rows = []
    for index, step in enumerate(ladder.steps):
        kind = STEP_KINDS[step.kind]
        due = STEP_PAYLOADS[kind](
            notify=tuple(recipient.value for recipient in step.notify),
            deadline_at=deadline_at,
            step=index,
            repeat_after=every.total_seconds() if every is not None and index == last else None,
        )
        rows.append(
            Deadline(
                id=new_id(),
                incident_id=incident_id,
                kind=kind,
                due_at=notified_at + step.offset,
                level=step.level,
                payload=due.data(),
                created_at=notified_at,
            )
        )
    return rows


def _last_escalation(ladder: Ladder) -> int | None:
    escalations = [i for i, step in enumerate(ladder.steps) if step.kind == "escalation"]
    return max(escalations, key=lambda i: (ladder.steps[i].offset, i), default=None)


@dataclass(frozen=True)
class Countdown:
    """What the incident card shows about the 30-minute contact.

    Once contact is recorded the countdown stops at that moment: the card then says whether
    contact was made in time, and how far the ladder had climbed when it was. Contact at the
    deadline instant is in time; without contact, that instant is when escalation fires, so the
    card already shows it overdue.
    """

    deadline_at: datetime
    remaining: timedelta
    overdue: bool
    overdue_by: timedelta
    level: int
    contact_made: bool


def countdown(
    now: datetime, notified_at: datetime, ladder: Ladder, contact_at: datetime | None = None
) -> Countdown:
    deadline_at = contact_deadline_at(notified_at, ladder)
    at = contact_at if contact_at is not None else now
    elapsed = at - notified_at
    reached = [
        step.level for step in ladder.steps if step.kind == "escalation" and step.offset <= elapsed
    ]
    every, last = repeat_after(ladder), _last_escalation(ladder)
    if every is not None and last is not None and elapsed >= ladder.steps[last].offset:
        # The last step repeats, one level higher each time, as the firing does.
        repeats = (elapsed - ladder.steps[last].offset) // every
        reached.append(ladder.steps[last].level + repeats)
    late = at - deadline_at
    return Countdown(
        deadline_at=deadline_at,
        remaining=max(deadline_at - at, timedelta(0)),
        overdue=late > timedelta(0) if contact_at is not None else late >= timedelta(0),
        overdue_by=max(late, timedelta(0)),
        level=max(reached, default=0),
        contact_made=contact_at is not None,
    )
