"""The incident card: what everyone in an incident sees first, as a platform-neutral view model.

User-typed text is carried as-is in facts flagged `user_text`; each renderer escapes it for its
own platform. The buttons follow the incident's state; who may press them is checked by the use
cases, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.bindings import ChannelBinding, ChannelStatus, Invite
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.domain.engagement import Engagement
from bot.domain.incident import Incident
from bot.domain.purge import PURGED_NOTE, referral_purged
from bot.domain.states import ALLOWED, State
from bot.policy.model import Council
from bot.views.actions import Action, Style
from bot.views.card_sections import response_lines

DEADLINE_LABELS = {
    DeadlineKind.CONTACT_REMINDER: "Provider contact reminder",
    DeadlineKind.CONTACT_ESCALATION: "Provider contact deadline / escalation",
    DeadlineKind.REVIEW_REMINDER: "Monitoring review",
    DeadlineKind.INFO_REMINDER: "More information due",
    DeadlineKind.ICO_REMINDER: "ICO 72-hour reminder",
    DeadlineKind.UPDATE_PROMPT: "Status update due",
    DeadlineKind.LESSONS_REMINDER: "Lessons learned reminder",
    DeadlineKind.PROVIDER_PAGE: "Provider page (sending)",
    DeadlineKind.ACTIVATION_EMAIL: "Activation email to the council (sending)",
    DeadlineKind.REPORT_DELIVERY_CHECK: "Report delivery check (GOV.UK Notify)",
    DeadlineKind.ESCALATION_RETRY: "Escalation retry (routes not yet reached)",
}


# Not deadlines anyone works to (the page and the council's email, due the moment they are
# created; the report's delivery checks): the card shows their outcome in its sections, not as
# "next deadlines".
SENT_AT_ONCE = frozenset(
    {
        DeadlineKind.PROVIDER_PAGE,
        DeadlineKind.ACTIVATION_EMAIL,
        DeadlineKind.REPORT_DELIVERY_CHECK,
        DeadlineKind.ESCALATION_RETRY,
    }
)


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
class Section:
    title: str
    lines: tuple[str, ...]  # written by the bot from stored values; renderers still escape


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
    channel_id: str = ""  # the incident's own channel, for a link from the triage card
    sections: tuple[Section, ...] = field(default=())


def next_deadline(deadlines: list[Deadline]) -> Deadline | None:
    pending = [
        d for d in deadlines if d.state is DeadlineState.PENDING and d.kind not in SENT_AT_ONCE
    ]
    return min(pending, key=lambda d: d.due_at) if pending else None


_STATE_BUTTONS: dict[State, tuple[tuple[Action, str, Style], ...]] = {
    State.REFERRAL_RECEIVED: (
        (Action.START_THRESHOLD_CHECK, "Start threshold check", Style.PRIMARY),
    ),
    State.THRESHOLD_CHECK: (
        (Action.START_THRESHOLD_CHECK, "Start threshold check", Style.PRIMARY),
    ),
    State.MONITORING: (
        (Action.REASSESS, "Re-assess", Style.DEFAULT),
        (Action.CLOSE_MONITORING, "Close (monitoring ended)", Style.DEFAULT),
    ),
    State.AWAITING_MOU: (
        (Action.MOU_SENT, "MoU sent", Style.DEFAULT),
        (Action.MOU_SIGNED, "MoU signed", Style.DEFAULT),
        (Action.OVERRIDE_MOU, "Override MoU", Style.DANGER),
        (Action.ACTIVATE, "Activate", Style.PRIMARY),
    ),
    State.ACTIVATED: (
        (Action.ACKNOWLEDGE_PAGE, "Acknowledge", Style.DEFAULT),
        (Action.CONTACT_MADE, "Contact made", Style.PRIMARY),
    ),
    State.CONTAINMENT: (
        (Action.CHANGE_PHASE, "Change phase", Style.PRIMARY),
        (Action.POST_UPDATE, "Post update", Style.DEFAULT),
    ),
    State.ERADICATION: (
        (Action.CHANGE_PHASE, "Change phase", Style.PRIMARY),
        (Action.POST_UPDATE, "Post update", Style.DEFAULT),
        (Action.RECOVERY_OPT_IN, "Council opts in to recovery", Style.DEFAULT),
    ),
    State.RECOVERY: (
        (Action.CHANGE_PHASE, "Change phase", Style.PRIMARY),
        (Action.POST_UPDATE, "Post update", Style.DEFAULT),
    ),
    State.CLOSED: (
        (Action.GIVE_LESSONS, "Give lessons learned", Style.PRIMARY),
        (Action.CLOSE_LESSONS, "Close lessons collection", Style.DEFAULT),
        (Action.GENERATE_REPORT, "Generate report", Style.DEFAULT),
    ),
}


def buttons_for(incident: Incident) -> list[Button]:
    buttons = [
        Button(action, label, incident.id, style)
        for action, label, style in _STATE_BUTTONS.get(incident.state, ())
    ]
    if State.WITHDRAWN in ALLOWED[incident.state]:
        # The service is not mandatory: until activation the council may decline it.
        buttons.append(Button(Action.DECLINE_SUPPORT, "Decline CIR support", incident.id))
    if incident.state is not State.REPORT_ISSUED:
        # A council that declined support, or whose monitoring ended, still has its own
        # obligations to the ICO, Action Fraud / NCA, its WARP and the NCSC to record.
        buttons.append(Button(Action.UPDATE_CHECKLIST, "Update checklist", incident.id))
    return buttons


def build_card(
    incident: Incident,
    council: Council | None,
    *,
    channel: ChannelBinding | None = None,
    invites: list[Invite] | None = None,
    deadlines: list[Deadline] | None = None,
    engagements: list[Engagement] | None = None,
    provider_names: dict[str, str] | None = None,
    checklist: list[str] | None = None,
    now: datetime | None = None,
    report_shares: list[str] | None = None,
) -> IncidentCard:
    r = incident.referral
    purged = referral_purged(r)
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
    if purged:  # nothing left to show but the record's shape
        facts = [f for f in facts if not f.user_text] + [Fact("Personal data", PURGED_NOTE)]
        invites = []
    if r.ncsc_reference:
        facts.append(Fact("NCSC reference", r.ncsc_reference, user_text=True))
    if r.bodies_told:
        facts.append(Fact("Already told", ", ".join(r.bodies_told)))
    buttons = buttons_for(incident)
    note = ""
    if channel is not None and channel.status is ChannelStatus.FAILED:
        note = f"Incident channel could not be created: {channel.error}"
        buttons.append(Button(Action.RETRY_CHANNEL, "Retry creating the channel", incident.id))
    elif channel is not None and channel.status is ChannelStatus.CREATED:
        note = f"Incident channel: #{channel.channel_name}"
    sections = []
    response = response_lines(incident, engagements or [], provider_names or {}, now)
    if response:
        sections.append(Section("Response", tuple(response)))
    if checklist:
        sections.append(Section("Notifications checklist", tuple(checklist)))
    if report_shares:
        sections.append(Section("Post-incident report shared", tuple(report_shares)))
    pending = sorted(
        (
            d
            for d in deadlines or []
            if d.state is DeadlineState.PENDING and d.kind not in SENT_AT_ONCE
        ),
        key=lambda d: d.due_at,
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
        channel_id=channel.channel_id
        if channel and channel.status is ChannelStatus.CREATED
        else "",
        buttons=tuple(buttons),
        sections=tuple(sections),
    )
