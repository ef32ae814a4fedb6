"""The post-incident report is built from the timeline alone: contact time against the deadline,
phase durations, the decision and its rationale, lessons and recommendations per organisation."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.actors import Actor, OrgKind
from bot.domain.incident import AttackerActive, Incident, Referral
from bot.domain.reference import Reference
from bot.domain.states import State
from bot.domain.timeline import GENESIS_HASH, NewEvent, TimelineEvent, chain
from bot.policy.model import Policy
from bot.reporting import ForeignRecordError, build_report
from bot.reporting.markdown import render_markdown
from bot.reporting.model import Report
from bot.views.clock import uk_time
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


def test_contact_at_22_minutes_meets_the_30_minute_deadline(policy: Policy) -> None:
    contact = report_for(full_record(new_incident()), policy).contact
    assert contact.notified_at == at(30) and contact.deadline_at == at(60)
    assert contact.contact_at == at(52)  # the call time given, not when it was recorded
    assert contact.contact_recorded_at is not None
    assert contact.contact_recorded_at >= contact.contact_at  # both are in the report
    assert contact.minutes_to_contact == 22
    assert contact.met_deadline is True
    assert contact.contact_by == "Kim Responder" and contact.method == "phone"
    assert contact.escalations == () and len(contact.reminders) == 1


def test_contact_at_41_minutes_misses_the_deadline_and_lists_the_escalation(
    policy: Policy,
) -> None:
    contact = report_for(full_record(new_incident(), contact_minutes=41), policy).contact
    assert contact.minutes_to_contact == 41
    assert contact.met_deadline is False
    [escalation] = contact.escalations
    assert escalation.at == at(60) and escalation.level == 1
    assert "provider escalation (KPMG escalation) by Slack" in escalation.detail
    assert "duty manager by SMS (failed: timeout)" in escalation.detail


def test_no_contact_after_the_deadline_is_a_miss_before_it_is_pending(policy: Policy) -> None:
    record = full_record(new_incident())
    record.events = [e for e in record.events if e.kind != "ContactRecorded"]
    council = policy.councils["hackney"]
    late = build_report(record.incident, council, record.events, generated_at=at(61))
    early = build_report(record.incident, council, record.events, generated_at=at(59))
    assert late.contact.met_deadline is False and late.contact.contact_at is None
    assert early.contact.met_deadline is None


def test_phases_have_start_end_duration_and_what_was_done(policy: Policy) -> None:
    phases = {p.state: p for p in report_for(full_record(new_incident()), policy).phases}
    containment, eradication = phases["containment"], phases["eradication"]
    assert containment.start == at(90) and containment.end == at(90 + 6 * 60)
    assert containment.duration == timedelta(hours=6)
    assert containment.summary == "Isolated 40 servers; reset domain admin accounts"
    assert containment.reason == "Provider on site"
    assert eradication.duration == timedelta(hours=24)
    assert eradication.summary == "Malware removed; backups verified"
    assert phases["closed"].end is None and phases["closed"].duration is None
    assert phases["referral_received"].duration == timedelta(minutes=5)


def test_threshold_decision_rationale_and_four_eyes(policy: Policy) -> None:
    report = report_for(full_record(new_incident()), policy)
    t = report.threshold
    assert (t.recommendation, t.decision) == ("activate", "activate")
    assert t.rationale == "Benefits offline for 40,000 residents"
    assert t.decided_by == "Ada Assessor" and t.decided_at == at(16)
    assert t.four_eyes and t.confirmed_by == "Bea Assessor" and t.confirmed_at == at(18)
    assert t.mou_status == "signed"
    answers = {a.question: a.answer for a in report.nature_and_impact.answers}
    assert "Confirmed: we know an attack has happened" in answers.values()


def test_lessons_and_recommendations_keep_their_organisation_and_owner(policy: Policy) -> None:
    report = report_for(full_record(new_incident()), policy)
    assert [lesson.organisation for lesson in report.lessons] == [
        "MHCLG",
        "KPMG",
        "London Borough of Hackney",
    ]
    assert [(r.text, r.owner, r.organisation) for r in report.recommendations] == [
        ("Keep duty rota current", "MHCLG", "MHCLG"),
        ("Pre-agree remote access", "KPMG", "KPMG"),
        ("Offline copy of contacts", "Hackney ICT", "London Borough of Hackney"),
        ("Test restores quarterly", "Hackney ICT", "London Borough of Hackney"),
    ]
    council_answers = {a.question: a.answer for a in report.lessons[2].answers}
    assert council_answers["What information was needed sooner"] == "Asset list"
    assert "What hindered the response or recovery" not in council_answers  # left blank


def test_notifications_show_each_items_last_status(policy: Policy) -> None:
    items = {n.item: n for n in report_for(full_record(new_incident()), policy).notifications}
    assert items["ico"].status == "done" and items["ico"].reference == "ICO-998877"
    assert items["warp"].status == "not needed"
    assert items["warp"].reason == "WARP already aware via NCSC"
    assert (
        items["action_fraud"].status == "outstanding" and items["action_fraud"].updated_at is None
    )


def test_timeline_says_what_happened_and_lists_unknown_kinds(policy: Policy) -> None:
    record = full_record(new_incident())
    record.add(2050, BOT, "SomethingNew", detail="x" * 500)
    report = report_for(record, policy)
    assert len(report.timeline) == len(record.events)
    whats = [row.what for row in report.timeline]
    assert "Paged KPMG; contact due by 23 Nov 2026 10:00 GMT" in whats
    assert any(
        w.startswith("KPMG made contact with the council at 23 Nov 2026 09:52 GMT") for w in whats
    )
    assert whats[-1].startswith("SomethingNew (detail: xxx") and len(whats[-1]) < 400
    assert report.timeline[0].organisation == "MHCLG"
    assert [(s.recipient, s.by, s.status, s.error) for s in report.shares] == [
        ("NCSC", "Ada Assessor", "sent (delivery not confirmed)", ""),
        ("GC3", "Ada Assessor", "NOT sent: bounced", "bounced"),
    ]
    assert "Report shared with GC3 by email FAILED: bounced" in whats


def test_the_report_never_includes_another_councils_data(policy: Policy) -> None:
    ours = full_record(new_incident())
    leeds = replace(new_incident(), id="inc-2", council_id="leeds")
    theirs = Record(leeds)
    theirs.add(1, ASSESSOR, "NoteAdded", text="Leeds: payroll compromised", source="slash")
    council = policy.councils["hackney"]
    with pytest.raises(ForeignRecordError, match="another incident"):
        build_report(ours.incident, council, [*ours.events, *theirs.events], generated_at=at(1))
    with pytest.raises(ForeignRecordError):
        build_report(leeds, council, theirs.events, generated_at=at(1))


def test_markdown_has_every_section_and_the_marking_first_and_last(policy: Policy) -> None:
    markdown = render_markdown(report_for(full_record(new_incident()), policy))
    lines = markdown.splitlines()
    assert lines[0] == lines[-1] == "OFFICIAL-SENSITIVE"
    for heading in (
        "Nature and impact",
        "Threshold decision",
        "Response phases",
        "Notifications",
        "Lessons learned",
        "Recommendations",
        "Timeline of actions",
    ):
        assert f"## {heading}" in lines
    assert "| Pre\\-agree remote access | KPMG | KPMG |" not in markdown  # '-' mid-text is literal
    assert "| Pre-agree remote access | KPMG | KPMG |" in markdown
    assert "- **Time to contact:** 22 minutes" in lines


def test_markdown_user_text_cannot_inject_headings_links_or_html(policy: Policy) -> None:
    evil = "Encrypted\n# Owned\n[click](http://evil.example) <script>alert(1)</script> ![x](y)"
    markdown = render_markdown(report_for(full_record(new_incident(evil)), policy))
    assert "\n# Owned" not in markdown and "\\# Owned" in markdown
    assert "[click](http" not in markdown
    assert "\\[click\\](hxxp://evil\\[.\\]example)" in markdown
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown
    assert "![x]" not in markdown


def test_a_resubmission_replaces_the_organisations_earlier_lessons(policy: Policy) -> None:
    record = full_record(new_incident())
    record.add(
        2020,
        KPMG_RESPONDER,
        "LessonsSubmitted",
        organisation="provider:kpmg",
        answers={"went_well": "Revised"},
        recommendations=[{"text": "New", "owner": "KPMG"}],
    )
    report = report_for(record, policy)
    assert [lesson.organisation for lesson in report.lessons].count("KPMG") == 1
    kpmg = [r.text for r in report.recommendations if r.organisation == "KPMG"]
    assert kpmg == ["New"]


def test_odd_or_missing_event_data_never_breaks_the_report(policy: Policy) -> None:
    record = full_record(new_incident())
    record.add(2100, BOT, "ThresholdAssessed", answers=["not", "a", "mapping"])
    record.add(2101, BOT, "EscalationSent", routes=["sms"], level="2")
    record.add(
        2102,
        BOT,
        "LessonsSubmitted",
        organisation="mhclg:mhclg",
        answers="text",
        recommendations=["no owner"],
    )
    record.add(2103, BOT, "ContactRecorded", contact_at="yesterday")
    record.add(2104, BOT, "StateChanged")
    report = report_for(record, policy)
    assert report.nature_and_impact.answers == ()
    assert report.contact.escalations[-1].detail == "nobody"
    assert report.contact.contact_at == at(52)  # the earlier, well-formed contact still counts
    assert report.phases[-1].label == "(unknown)"
    assert "## Timeline of actions" in render_markdown(report)


def test_the_report_reads_as_a_uk_document(policy: Policy) -> None:
    """UK time with its zone (GMT in winter, BST in summer), bodies by the names they go by."""
    assert uk_time(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) == "23 Nov 2026 09:00 GMT"
    assert uk_time(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)) == "1 Jul 2026 10:00 BST"
    incident = replace(
        new_incident(),
        referral=replace(new_incident().referral, bodies_told=("ncsc", "action_fraud", "ico")),
    )
    record = full_record(incident)
    record.add(
        2200, ASSESSOR, "ReportShared", recipient="council", to="hana@hackney.example",
        route="notify_file", version=1, format="pdf", sha256="ab" * 32, notification_id="n-1",
        ok=True, error="",
    )  # fmt: skip
    record.add(
        2201, BOT, "ReportDeliveryChecked", notification_id="n-1", recipient="council",
        to="hana@hackney.example", state="failed", detail="permanent-failure",
    )  # fmt: skip
    record.events = [e for e in record.events if e.kind != "ReferralReceived"]
    markdown = render_markdown(report_for(record, policy))
    assert "UTC" not in markdown and "23 Nov 2026 09:00 GMT" in markdown
    assert "- **Bodies told at referral:** NCSC, Action Fraud / NCA, ICO" in markdown
    # ids never stand for names (typed answers may say what they like: the test's say "mhclg:")
    assert not re.search(r"\b(ncsc|gc3|action.fraud|COUNCIL)\b", markdown)
    shares = report_for(record, policy).shares
    assert [(s.recipient, s.to, s.version, s.status) for s in shares][-1] == (
        "London Borough of Hackney",
        "hana@hackney.example",
        "1 (PDF)",
        "NOT delivered: permanent-failure",
    )
    assert (
        "Report version 1 (PDF) shared with London Borough of Hackney (hana@hackney.example) by "
        "GOV.UK Notify, file by email; SHA-256 abababababababab...; Notify id n-1"
    ) in markdown.replace("\\", "")
