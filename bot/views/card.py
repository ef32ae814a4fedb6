"""The incident card: what everyone in an incident sees first, as a platform-neutral view model.

User-typed text is carried as-is; each renderer escapes it for its own platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.bindings import ChannelBinding, ChannelStatus, Invite
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.policy.model import Council
from bot.views.actions import Action, Style

DEADLINE_LABELS = {
    DeadlineKind.CONTACT_REMINDER: "Provider contact reminder",
    DeadlineKind.CONTACT_ESCALATION: "Provider contact deadline / escalation",
    DeadlineKind.REVIEW_REMINDER: "Monitoring review",
    DeadlineKind.INFO_REMINDER: "More information due",
    DeadlineKind.ICO_REMINDER: "ICO 72-hour reminder",
    DeadlineKind.UPDATE_PROMPT: "Status update due",
    DeadlineKind.LESSONS_REMINDER: "Lessons learned reminder",
}


@dataclass(frozen=True)
class Button:
    action: Action
    label: str
    value: str
    style: Style = Style.DEFAULT


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    user_text: bool = False  # typed by a person: the renderer must escape it


@dataclass(frozen=True)
class IncidentCard:
    reference: str
    title: str
    state: str
    marking: str
    facts: tuple[Fact, ...]
    deadlines: tuple[tuple[str, datetime], ...]
    invites: tuple[tuple[str, str], ...]
    channel_note: str
    buttons: tuple[Button, ...] = field(default=())


def next_deadline(deadlines: list[Deadline]) -> Deadline | None:
    pending = [d for d in deadlines if d.state is DeadlineState.PENDING]
    return min(pending, key=lambda d: d.due_at) if pending else None


def build_card(
    incident: Incident,
    council: Council | None,
    *,
    channel: ChannelBinding | None = None,
    invites: list[Invite] | None = None,
    deadlines: list[Deadline] | None = None,
) -> IncidentCard:
    r = incident.referral
    facts = [
        Fact("Council", council.name if council else incident.council_id),
        Fact("Detected", r.detected_at.strftime("%d %b %Y %H:%M UTC")),
        Fact("What happened", r.description, user_text=True),
        Fact("Services affected", r.services_affected, user_text=True),
        Fact("Attacker still active", r.attacker_active.value),
        Fact(
            "Out-of-band contact", f"{r.contact_name}, {r.contact_email}, {r.contact_phone}", True
        ),
    ]
    if r.ncsc_reference:
        facts.append(Fact("NCSC reference", r.ncsc_reference, user_text=True))
    if r.bodies_told:
        facts.append(Fact("Already told", ", ".join(r.bodies_told)))
    buttons: list[Button] = []
    if incident.state in {State.REFERRAL_RECEIVED, State.THRESHOLD_CHECK}:
        buttons.append(
            Button(
                Action.START_THRESHOLD_CHECK, "Start threshold check", incident.id, Style.PRIMARY
            )
        )
    if incident.state is State.MONITORING:
        buttons.append(Button(Action.REASSESS, "Re-assess", incident.id))
    note = ""
    if channel is not None and channel.status is ChannelStatus.FAILED:
        note = f"Incident channel could not be created: {channel.error}"
        buttons.append(Button(Action.RETRY_CHANNEL, "Retry creating the channel", incident.id))
    elif channel is not None and channel.status is ChannelStatus.CREATED:
        note = f"Incident channel: #{channel.channel_name}"
    pending = sorted(
        (d for d in deadlines or [] if d.state is DeadlineState.PENDING), key=lambda d: d.due_at
    )
    return IncidentCard(
        reference=str(incident.reference),
        title=f"{incident.reference} · {council.name if council else incident.council_id}",
        state=incident.state.label,
        marking=incident.marking.value,
        facts=tuple(facts),
        deadlines=tuple((DEADLINE_LABELS[d.kind], d.due_at) for d in pending[:3]),
        invites=tuple((i.email, i.status.value) for i in invites or []),
        channel_note=note,
        buttons=tuple(buttons),
    )
