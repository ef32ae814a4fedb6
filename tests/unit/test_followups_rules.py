"""The pure rules behind the follow-ups: the shipped config and its strict loader, the ICO's
72-hour reminders, the checklist's record, lessons-learned validation and who is in an incident."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.actors import Actor, OrgKind
from bot.domain.checklist import ChecklistItem, ItemKind, ItemStatus, ico_reminder_times
from bot.domain.clock import FakeClock
from bot.domain.errors import InvalidInput
from bot.domain.incident import AttackerActive, Incident, Referral
from bot.domain.lessons import Recommendation
from bot.domain.reference import Reference
from bot.policy.errors import ConfigError
from bot.policy.followups import load_followups
from bot.usecases.context import CoreContext
from bot.usecases.lessons import validate_lessons
from bot.usecases.participants import can_view, is_participant, is_responder, organisations
from tests.factories import ACCENTURE_RESPONDER, ASSESSOR, COUNCIL_USER, KPMG_RESPONDER

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_shipped_config_holds_the_service_defaults() -> None:
    f = load_followups(DEFAULT_CONFIG_DIR)
    assert f.update_cadence == timedelta(hours=4)
    assert f.ico_deadline == timedelta(hours=72)
    assert f.ico_reminder_hours == (48, 66)
    assert f.lessons_reminder_days == (2, 5)
    assert f.checklist["action_fraud"].phone == "0300 123 2040"
    assert "NCA" in f.checklist["action_fraud"].label
    assert "WARP" in f.checklist["warp"].label
    assert set(f.report_recipients) == {"mhclg", "ncsc", "gc3"}
    assert f.report_retention_weeks == 26


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copy(DEFAULT_CONFIG_DIR / "followups.yml", tmp_path / "followups.yml")
    return tmp_path


def _edit(directory: Path, old: str, new: str) -> None:
    path = directory / "followups.yml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ("reminder_hours: [48, 66]", "reminder_hours: [66, 48]", "ico.reminder_hours", "ascending"),
        ("reminder_hours: [48, 66]", "reminder_hours: [48, 80]", "ico.reminder_hours", "72-hour"),
        ("reminder_hours: [48, 66]", "reminder_hours: [48, soon]", "ico.reminder_hours[1]", "soon"),
        ("update_cadence: 4h", "update_cadence: often", "update_cadence", "often"),
        ("working_days: [2, 5]", "working_days: []", "lessons_reminder_working_days", "no values"),
        ("timezone: Europe/London", "timezone: Mars/Olympus", "timezone", "Mars/Olympus"),
        ("  - 2026-01-01  #", "  - January  #", "bank_holidays[0]", "expected a date"),
        ("  warp:\n", "  wrap:\n", "checklist.wrap", "unknown checklist item"),
        ("email: incidents@ncsc.example", "email: ncsc", "report_recipients.ncsc.email", "ncsc"),
        *(
            (
                "retention_weeks: 26",
                f"retention_weeks: {bad}",
                "report_file_retention_weeks",
                "1 to 78",
            )
            for bad in ("0", "79", "26 weeks", "true", "2.5")
        ),
    ],
)
def test_a_mistake_in_the_config_names_file_key_and_fix(
    config_dir: Path, old: str, new: str, key: str, problem: str
) -> None:
    _edit(config_dir, old, new)
    with pytest.raises(ConfigError) as caught:
        load_followups(config_dir)
    assert caught.value.file.endswith("followups.yml")
    assert caught.value.key == key
    assert problem in caught.value.problem
    assert caught.value.fix


def test_the_report_retention_may_be_any_week_notify_allows(config_dir: Path) -> None:
    for weeks in (1, 78):
        _edit(config_dir, "retention_weeks: 26", f"retention_weeks: {weeks}")
        assert load_followups(config_dir).report_retention_weeks == weeks
        _edit(config_dir, f"retention_weeks: {weeks}", "retention_weeks: 26")
    _edit(config_dir, "report_file_retention_weeks: 26", "")
    assert load_followups(config_dir).report_retention_weeks == 26  # Notify's own default


def test_a_missing_file_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="restore followups.yml"):
        load_followups(tmp_path)


def test_ico_reminders_fall_at_48_and_66_hours_after_awareness() -> None:
    detected = NOW - timedelta(hours=2)
    assert ico_reminder_times(detected, (48, 66), NOW) == [
        (48, detected + timedelta(hours=48)),
        (66, detected + timedelta(hours=66)),
    ]


def test_ico_reminders_already_past_collapse_into_one_due_now() -> None:
    detected = NOW - timedelta(hours=50)
    assert ico_reminder_times(detected, (48, 66), NOW) == [
        (48, NOW),
        (66, detected + timedelta(hours=66)),
    ]
    late = NOW - timedelta(hours=70)
    assert ico_reminder_times(late, (48, 66), NOW) == [(66, NOW)]


def test_a_checklist_item_is_recorded_in_the_shape_the_report_reads() -> None:
    done = ChecklistItem("i1", ItemKind.ICO, ItemStatus.DONE, reference="ICO-123", done_at=NOW)
    assert done.event().data() == {
        "item": "ico",
        "status": "done",
        "reference": "ICO-123",
        "done_at": NOW.isoformat(),
        "reason": "",
    }
    skipped = ChecklistItem("i1", ItemKind.WARP, ItemStatus.NOT_NEEDED, reason="No WARP here")
    assert skipped.event().done_at == ""
    assert skipped.event().reason


def test_an_over_long_answer_is_refused_naming_the_limit() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_lessons({"what_happened": "Ransomware.", "went_well": "x" * 3001}, [])
    assert caught.value.field_errors["went_well"] == (
        "What went well is 3001 characters; the limit is 3000."
    )
    answers, _ = validate_lessons({"what_happened": "y" * 3000}, [])
    assert len(answers["what_happened"]) == 3000  # at the limit: kept whole, not truncated


def test_every_recommendation_needs_an_owner_and_blank_rows_are_ignored() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_lessons(
            {"what_happened": "Ransomware."},
            [Recommendation("Offline backups", "Head of IT"), Recommendation("Test DR", " ")],
        )
    assert caught.value.field_errors == {
        "recommendation_2_owner": "The owner of recommendation 2 is required."
    }
    answers, recs = validate_lessons(
        {"what_happened": " Ransomware. "},
        [Recommendation("Offline backups", "Head of IT"), Recommendation("", "")],
    )
    assert recs == (Recommendation("Offline backups", "Head of IT"),)
    assert answers == {
        "what_happened": "Ransomware.",
        "went_well": "",
        "hindered": "",
        "info_sooner": "",
        "differently": "",
    }


def test_what_happened_is_required_and_unknown_questions_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_lessons({"what_happened": "", "mood": "fine"}, [])
    assert set(caught.value.field_errors) == {"answers", "what_happened"}


def _incident(providers: tuple[str, ...]) -> Incident:
    referral = Referral(
        council_id="hackney",
        description="Ransomware",
        detected_at=NOW,
        services_affected="All",
        attacker_active=AttackerActive.UNKNOWN,
        contact_name="Hana",
        contact_email="hana@hackney.example",
        contact_phone="07700 900555",
    )
    incident = Incident.open("i1", Reference(2026, 1), referral, ASSESSOR, FakeClock().now())
    return replace(incident, provider_ids=providers)


def test_who_is_in_an_incident(ctx: CoreContext) -> None:
    incident = _incident(("kpmg",))
    other_council = Actor("slack:T0X:U1", "Olly", OrgKind.COUNCIL, "camden")
    ncsc = Actor("slack:T0N:U2", "Nia", OrgKind.NCSC, "ncsc")
    assert is_participant(ASSESSOR, incident, ctx)
    assert is_responder(ASSESSOR, incident, ctx)
    assert is_participant(KPMG_RESPONDER, incident, ctx)
    assert is_responder(KPMG_RESPONDER, incident, ctx)
    assert not is_participant(ACCENTURE_RESPONDER, incident, ctx)  # not assigned to this one
    assert is_participant(COUNCIL_USER, incident, ctx)
    assert not is_responder(COUNCIL_USER, incident, ctx)
    assert not is_participant(other_council, incident, ctx)
    assert not can_view(other_council, incident, ctx)
    assert not is_participant(ncsc, incident, ctx)
    assert can_view(ncsc, incident, ctx)
    assert organisations(incident) == ("mhclg:mhclg", "provider:kpmg", "council:hackney")
