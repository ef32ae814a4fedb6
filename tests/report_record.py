"""A hand-built, correctly chained timeline of a whole incident (referral to lessons learned) and
the report built from it, for the report model, Markdown, PDF and sanitising tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.actors import Actor, OrgKind
from bot.domain.incident import AttackerActive, Incident, Referral
from bot.domain.reference import Reference
from bot.domain.states import State
from bot.domain.timeline import GENESIS_HASH, NewEvent, TimelineEvent, chain
from bot.policy.model import Policy
from bot.reporting import build_report
from bot.reporting.model import Report
from tests.factories import ASSESSOR, ASSESSOR_2, COUNCIL_USER, KPMG_RESPONDER, TIMELINE_KEY

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


BOT = Actor("system", "CIR bot", OrgKind.SYSTEM, "cir-bot")


class Record:
    """A hand-built, correctly chained timeline for one incident."""

    def __init__(self, incident: Incident) -> None:
        self.incident = incident
        self.events: list[TimelineEvent] = []

    def add(self, minutes: float, actor: Actor, kind: str, **data: Any) -> TimelineEvent:
        prev = self.events[-1].hash if self.events else GENESIS_HASH
        new = NewEvent(kind, actor.user_id, actor.name, actor.organisation, at(minutes), data)
        event = chain(TIMELINE_KEY, self.incident.id, len(self.events) + 1, new, prev)
        self.events.append(event)
        return event

    def move(self, minutes: float, actor: Actor, src: State, dst: State, **data: Any) -> None:
        self.add(minutes, actor, "StateChanged", from_state=src.value, to_state=dst.value, **data)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new_incident(
    description: str = "Ransomware note on file servers; benefits encrypted.",
) -> Incident:
    referral = Referral(
        council_id="hackney",
        description=description,
        detected_at=T0 - timedelta(hours=2),
        services_affected="Benefits and payments; housing",
        attacker_active=AttackerActive.UNKNOWN,
        contact_name="Hana Council",
        contact_email="hana@hackney.example",
        contact_phone="07700 900555",
        ncsc_reference="NCSC-12345",
        bodies_told=("ncsc",),
        personal_data_involved=True,
    )
    return Incident.open("inc-1", Reference(2026, 1), referral, ASSESSOR, T0)


def full_record(incident: Incident, *, contact_minutes: float = 22) -> Record:
    """Referral to closure: the path the service takes for an activated incident."""
    r = Record(incident)
    data = incident.pending_events[0].data
    r.add(0, ASSESSOR, "ReferralReceived", **data)
    r.move(5, ASSESSOR, State.REFERRAL_RECEIVED, State.THRESHOLD_CHECK)
    answers = {"status": ["confirmed"], "attack_type": ["ransomware"]}
    r.add(
        15,
        ASSESSOR,
        "ThresholdAssessed",
        assessment_id="a1",
        answers=answers,
        recommendation="activate",
        summary="Confirmed ransomware on critical services",
        missing=[],
    )
    r.add(
        16,
        ASSESSOR,
        "ActivationProposed",
        assessment_id="a1",
        decision="activate",
        recommendation="activate",
        rationale="Benefits offline for 40,000 residents",
        differs_from_recommendation=False,
    )
    r.add(18, ASSESSOR_2, "ActivationConfirmed", assessment_id="a1")
    r.move(18, ASSESSOR_2, State.THRESHOLD_CHECK, State.AWAITING_MOU)
    r.add(25, COUNCIL_USER, "MouStatusRecorded", status="signed")
    r.move(30, ASSESSOR, State.AWAITING_MOU, State.ACTIVATED)
    r.add(
        30,
        BOT,
        "ProviderPaged",
        provider_ids=["kpmg"],
        notified_at=at(30).isoformat(),
        deadline_at=at(60).isoformat(),
    )
    r.add(33, KPMG_RESPONDER, "PageAcknowledged", provider_id="kpmg")
    r.add(45, BOT, "ContactReminderSent", level=1, step=1)
    if contact_minutes > 30:
        routes = [
            {
                "route": "slack",
                "recipient_kind": "provider_escalation",
                "recipient": "KPMG escalation",
                "ok": True,
                "error": "",
            },
            {"route": "sms", "recipient_kind": "duty_manager", "ok": False, "error": "timeout"},
        ]
        r.add(60, BOT, "EscalationSent", level=1, routes=routes)
    # recorded a few minutes after the call itself: the call time counts, not the click
    r.add(
        30 + contact_minutes + 3,
        KPMG_RESPONDER,
        "ContactRecorded",
        provider_id="kpmg",
        contact_at=at(30 + contact_minutes).isoformat(),
        method="phone",
        by="Kim Responder",
    )
    r.move(90, KPMG_RESPONDER, State.ACTIVATED, State.CONTAINMENT, reason="Provider on site")
    r.add(
        120,
        KPMG_RESPONDER,
        "StatusUpdatePosted",
        what_changed="File servers isolated",
        impact="Benefits still down",
        next_steps="Reset admin credentials",
    )
    r.add(
        130,
        COUNCIL_USER,
        "NotificationItemUpdated",
        item="ico",
        status="done",
        reference="ICO-998877",
        done_at=at(130).isoformat(),
        reason="",
    )
    r.add(
        131,
        COUNCIL_USER,
        "NotificationItemUpdated",
        item="warp",
        status="not_needed",
        reference="",
        done_at="",
        reason="WARP already aware via NCSC",
    )
    r.add(140, ASSESSOR, "NoteAdded", text="Council press office briefed", source="slash")
    r.move(
        90 + 6 * 60,
        KPMG_RESPONDER,
        State.CONTAINMENT,
        State.ERADICATION,
        summary="Isolated 40 servers; reset domain admin accounts",
    )
    r.move(
        90 + 30 * 60,
        KPMG_RESPONDER,
        State.ERADICATION,
        State.CLOSED,
        summary="Malware removed; backups verified",
    )
    lessons = [
        (ASSESSOR, "mhclg:mhclg", [{"text": "Keep duty rota current", "owner": "MHCLG"}]),
        (KPMG_RESPONDER, "provider:kpmg", [{"text": "Pre-agree remote access", "owner": "KPMG"}]),
        (
            COUNCIL_USER,
            "council:hackney",
            [
                {"text": "Offline copy of contacts", "owner": "Hackney ICT"},
                {"text": "Test restores quarterly", "owner": "Hackney ICT"},
            ],
        ),
    ]
    for i, (actor, org, recs) in enumerate(lessons):
        r.add(
            2000 + i,
            actor,
            "LessonsSubmitted",
            organisation=org,
            recommendations=recs,
            answers={
                "what_happened": f"{org} account",
                "went_well": "Fast contact",
                "hindered": "",
                "info_sooner": "Asset list",
                "differently": "Drill",
            },
        )
    r.add(2010, ASSESSOR, "LessonsCollectionClosed")
    for minutes, recipient, ok, error in (
        (2011, "ncsc", True, ""),
        (2012, "gc3", False, "bounced"),
    ):
        r.add(
            minutes,
            ASSESSOR,
            "ReportShared",
            recipient=recipient,
            route="email",
            by=ASSESSOR.user_id,
            ok=ok,
            error=error,
        )
    incident.state = State.CLOSED
    return r


def report_for(record: Record, policy: Policy) -> Report:
    council = policy.councils[record.incident.council_id]
    names = {p.id: p.name for p in policy.providers.values()}
    return build_report(
        record.incident,
        council,
        record.events,
        generated_at=at(2100),
        questionnaire=policy.questionnaire,
        provider_names=names,
    )
