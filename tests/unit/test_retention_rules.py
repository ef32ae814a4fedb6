"""The purge's rules, pure: what is redacted, how a purge record vouches for a redacted event
(and nothing else does), the retention period in config/retention.yml and the daily time."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.actors import SYSTEM
from bot.domain.daily_purge import next_daily, next_purge
from bot.domain.deadlines import DeadlineKind
from bot.domain.purge import PURGE_KIND, PURGED, plan, redact_data, redact_event, vouched
from bot.domain.seal import Binding, check_incident, seal
from bot.domain.timeline import GENESIS_HASH, NewEvent, TimelineKey, chain, verify
from bot.policy.errors import ConfigError
from bot.policy.load import load_policy
from bot.policy.retention import Period, Retention, parse_period
from tests.factories import TIMELINE_KEY

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERSON = ("slack:T0:U1", "Priya Patel", "provider:kpmg")


def build(*specs: tuple[str, tuple[str, str, str], dict]) -> list:
    events, prev = [], GENESIS_HASH
    for seq, (kind, (actor_id, name, org), data) in enumerate(specs, 1):
        new = NewEvent(kind, actor_id, name, org, T0 + timedelta(minutes=seq), data)
        event = chain(TIMELINE_KEY, "inc", seq, new, prev)
        events.append(event)
        prev = event.hash
    return events


def purged(events: list, key: TimelineKey = TIMELINE_KEY) -> list:
    """The events as a purge leaves them, with its record appended (under `key`)."""
    changed, record = plan(key, events)
    by_seq = {e.seq: e for e in changed}
    after = [by_seq.get(e.seq, e) for e in events]
    data = {"redacted": [r.as_dict() for r in record]}
    new = NewEvent(PURGE_KIND, SYSTEM.user_id, SYSTEM.name, SYSTEM.organisation, T0, data)
    return [*after, chain(key, "inc", len(events) + 1, new, events[-1].hash)]


EVENTS = (
    ("NoteAdded", PERSON, {"text": "Rang Jo on 07700 900777", "source": "slash"}),
    ("ThresholdAssessed", PERSON, {"answers": {"ncsc_category": ["c3"]}, "summary": "x y"}),
    ("LessonsSubmitted", PERSON, {"answers": {"went_well": "Jo"}, "organisation": "council:x"}),
    ("EscalationSent", (SYSTEM.user_id, SYSTEM.name, SYSTEM.organisation), {
        "level": 2, "routes": [{"route": "chat:dm:U0DUTY", "ok": True, "to": "a@b.example"}],
        "a_key_added_later": "Jo Bloggs",
    }),
)  # fmt: skip


def test_only_ids_states_times_and_numbers_stay() -> None:
    note, assessed, lessons, escalation = (redact_event(e) for e in build(*EVENTS))
    assert note.data == {"text": PURGED, "source": "slash"}
    assert (note.actor_id, note.actor_name, note.organisation) == (
        PURGED, PURGED, "provider:kpmg"
    )  # fmt: skip
    assert assessed.data == {"answers": {"ncsc_category": ["c3"]}, "summary": PURGED}
    assert lessons.data == {"answers": {"went_well": PURGED}, "organisation": "council:x"}
    assert escalation.actor_name == SYSTEM.name  # the bot is no person
    assert escalation.data == {
        "level": 2,
        "routes": [{"route": f"chat:{PURGED}", "ok": True, "to": PURGED}],
        "a_key_added_later": PURGED,  # unknown keys go: an allowlist, not a denylist
    }
    assert redact_data("ReferralReceived", {"contact_email": "a@b", "council_id": "x"}) == {
        "contact_email": PURGED, "council_id": "x"
    }  # fmt: skip


def test_a_purged_chain_verifies_and_every_other_change_breaks_it() -> None:
    events = purged(build(*EVENTS))
    assert verify(TIMELINE_KEY, events, vouched(TIMELINE_KEY, events)) == []
    # the redacted form's kept content changed
    level = replace(events[3], data={**events[3].data, "level": 1})
    assert _broken([*events[:3], level, events[4]]) == [(4, "content does not match hash")]
    # the original content put back under a redacted event's place
    original = build(*EVENTS)[0]
    assert _broken([original, *events[1:]]) == [(1, "content does not match hash")]
    # a redaction no purge record vouches for (the record without its first entry)
    record = replace(events[4], data={"redacted": events[4].data["redacted"][1:]})
    assert (5, "content does not match hash") in _broken([*events[:4], record])


def test_a_purge_record_made_without_the_key_vouches_for_nothing() -> None:
    forged = purged(build(*EVENTS), TimelineKey(b"not-the-service-key-0123456789abcdef"))
    broken = _broken(forged)
    assert (1, "content does not match hash") in broken
    assert (5, "content does not match hash") in broken  # the record itself is not genuine


def test_the_head_seals_the_purge_record() -> None:
    events = purged(build(*EVENTS))
    binding = Binding("CIR-2026-0001", "hackney", ("kpmg",))
    head = seal(TIMELINE_KEY, "inc", binding, events[-1].seq, events[-1].hash)
    assert check_incident(TIMELINE_KEY, "inc", binding, events, head) == []
    without_record = check_incident(TIMELINE_KEY, "inc", binding, events[:-1], head)
    assert {b.kind.value for b in without_record} >= {"last events deleted"}


def _broken(events: list) -> list[tuple[int, str]]:
    return [(b.seq, b.reason) for b in verify(TIMELINE_KEY, events, vouched(TIMELINE_KEY, events))]


def test_periods_read_as_people_write_them() -> None:
    assert parse_period("2 years") == Period(years=2)
    assert parse_period("18 months") == Period(months=18)
    assert parse_period("104 weeks") == Period(days=728)
    assert Period(years=2).after(datetime(2024, 2, 29, 10, tzinfo=UTC)) == datetime(
        2026, 2, 28, 10, tzinfo=UTC
    )
    assert Period(months=13).after(datetime(2026, 12, 31, tzinfo=UTC)) == datetime(
        2028, 1, 31, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="like 2 years"):
        parse_period("2d ago")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def test_the_shipped_retention_is_two_years_and_the_file_is_optional(config_dir: Path) -> None:
    assert load_policy(config_dir).retention == Retention(Period(years=2))
    (config_dir / "retention.yml").unlink()
    assert load_policy(config_dir).retention.keep_after_closure == Period(years=2)


@pytest.mark.parametrize(
    ("text", "problem", "fix"),
    [
        ("keep_after_closure: two years", "is not a period like 2 years", "give a period like"),
        ("keep_after_closure: 2d", "outside 6 months to 7 years", "2 years is MoJ's"),  # typo
        ("keep_after_closure: 30 days", "outside 6 months to 7 years", "2 years is MoJ's"),
        # 6 months is 180 days here, and Notify keeps the report's file 26 weeks (182 days)
        ("keep_after_closure: 6 months", "GOV.UK Notify would keep", "lower report_file_"),
        ("keep_after_closure: 10 years", "outside 6 months to 7 years", "between 6 months"),
        (
            "keep_after_closure: 26 weeks\n",  # followups.yml keeps Notify's file 26 weeks: ok
            None,
            None,
        ),
        ('keep_after_closure: 2 years\ndaily_at: "25:00"', "is not a time of day", "03:00"),
    ],
)
def test_a_wrong_retention_names_the_file_the_key_and_the_fix(
    config_dir: Path, text: str, problem: str | None, fix: str | None
) -> None:
    (config_dir / "retention.yml").write_text(text)
    if problem is None:
        load_policy(config_dir)
        return
    assert fix is not None, "a case with a problem names its fix"
    with pytest.raises(ConfigError) as raised:
        load_policy(config_dir)
    assert raised.value.file.endswith("retention.yml")
    assert problem in raised.value.problem
    assert fix in raised.value.fix


def test_notify_may_not_keep_the_report_longer_than_the_incident(config_dir: Path) -> None:
    followups = config_dir / "followups.yml"
    followups.write_text(
        followups.read_text().replace(
            "report_file_retention_weeks: 26", "report_file_retention_weeks: 78"
        )
    )
    (config_dir / "retention.yml").write_text("keep_after_closure: 12 months")
    with pytest.raises(ConfigError) as raised:
        load_policy(config_dir)
    assert raised.value.key == "keep_after_closure"
    assert "Notify would keep the shared report's file (78 weeks" in raised.value.problem


def test_the_daily_run_is_at_its_london_time_in_summer_and_winter() -> None:
    retention = Retention()
    winter = next_daily(retention, datetime(2026, 1, 10, 2, 0, tzinfo=UTC))
    assert winter == datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    summer = next_daily(retention, datetime(2026, 7, 10, 2, 30, tzinfo=UTC))
    assert summer == datetime(2026, 7, 11, 2, 0, tzinfo=UTC)  # 03:00 BST, already past today


def test_each_days_run_is_one_row_named_by_its_london_date() -> None:
    retention = Retention()
    before = next_purge(retention, datetime(2026, 12, 5, 2, 59, tzinfo=UTC))
    assert before.id == "retention-purge-2026-12-05"
    assert before.incident_id == ""
    assert before.due_at == datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert before.kind is DeadlineKind.RETENTION_PURGE
    assert before.payload == {"day": "2026-12-05"}
    at = next_purge(retention, datetime(2026, 12, 5, 3, 0, tzinfo=UTC))
    assert at.id == "retention-purge-2026-12-06"  # today's time has come: tomorrow's
    summer = next_purge(retention, datetime(2026, 7, 9, 23, 30, tzinfo=UTC))  # 00:30 BST on 10th
    assert summer.id == "retention-purge-2026-07-10"
    assert summer.due_at == datetime(2026, 7, 10, 2, 0, tzinfo=UTC)
