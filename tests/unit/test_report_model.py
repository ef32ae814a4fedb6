"""The post-incident report is built from the timeline alone: contact time against the deadline,
phase durations, the decision and its rationale, lessons and recommendations per organisation,
and never another council's data."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.policy.model import Policy
from bot.reporting import ForeignRecordError, build_report
from bot.reporting.markdown import render_markdown
from tests.factories import ASSESSOR, KPMG_RESPONDER
from tests.report_record import BOT, Record, at, full_record, new_incident, report_for


def test_contact_at_22_minutes_meets_the_30_minute_deadline(policy: Policy) -> None:
    contact = report_for(full_record(new_incident()), policy).contact
    assert contact.notified_at == at(30)
    assert contact.deadline_at == at(60)
    assert contact.contact_at == at(52)  # the call time given, not when it was recorded
    assert contact.contact_recorded_at is not None
    assert contact.contact_recorded_at >= contact.contact_at  # both are in the report
    assert contact.minutes_to_contact == 22
    assert contact.met_deadline is True
    assert contact.contact_by == "Kim Responder"
    assert contact.method == "phone"
    assert contact.escalations == ()
    assert len(contact.reminders) == 1


def test_contact_at_41_minutes_misses_the_deadline_and_lists_the_escalation(
    policy: Policy,
) -> None:
    contact = report_for(full_record(new_incident(), contact_minutes=41), policy).contact
    assert contact.minutes_to_contact == 41
    assert contact.met_deadline is False
    [escalation] = contact.escalations
    assert escalation.at == at(60)
    assert escalation.level == 1
    assert "provider escalation (KPMG escalation) by Slack" in escalation.detail
    assert "duty manager by SMS (failed: timeout)" in escalation.detail


def test_no_contact_after_the_deadline_is_a_miss_before_it_is_pending(policy: Policy) -> None:
    record = full_record(new_incident())
    record.events = [e for e in record.events if e.kind != "ContactRecorded"]
    council = policy.councils["hackney"]
    late = build_report(record.incident, council, record.events, generated_at=at(61))
    early = build_report(record.incident, council, record.events, generated_at=at(59))
    assert late.contact.met_deadline is False
    assert late.contact.contact_at is None
    assert early.contact.met_deadline is None


def test_phases_have_start_end_duration_and_what_was_done(policy: Policy) -> None:
    phases = {p.state: p for p in report_for(full_record(new_incident()), policy).phases}
    containment, eradication = phases["containment"], phases["eradication"]
    assert containment.start == at(90)
    assert containment.end == at(90 + 6 * 60)
    assert containment.duration == timedelta(hours=6)
    assert containment.summary == "Isolated 40 servers; reset domain admin accounts"
    assert containment.reason == "Provider on site"
    assert eradication.duration == timedelta(hours=24)
    assert eradication.summary == "Malware removed; backups verified"
    assert phases["closed"].end is None
    assert phases["closed"].duration is None
    assert phases["referral_received"].duration == timedelta(minutes=5)


def test_threshold_decision_rationale_and_four_eyes(policy: Policy) -> None:
    report = report_for(full_record(new_incident()), policy)
    t = report.threshold
    assert (t.recommendation, t.decision) == ("activate", "activate")
    assert t.rationale == "Benefits offline for 40,000 residents"
    assert t.decided_by == "Ada Assessor"
    assert t.decided_at == at(16)
    assert t.four_eyes
    assert t.confirmed_by == "Bea Assessor"
    assert t.confirmed_at == at(18)
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
    assert items["ico"].status == "done"
    assert items["ico"].reference == "ICO-998877"
    assert items["warp"].status == "not needed"
    assert items["warp"].reason == "WARP already aware via NCSC"
    assert items["action_fraud"].status == "outstanding"
    assert items["action_fraud"].updated_at is None


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
    assert whats[-1].startswith("SomethingNew (detail: xxx")
    assert len(whats[-1]) < 400
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
