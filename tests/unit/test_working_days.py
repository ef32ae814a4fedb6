"""Lessons-learned reminders count working days: weekends and England and Wales bank holidays
do not count, and the day is judged by the clock on a London wall."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.working_days import add_working_days, is_working_day
from bot.policy.followups import load_followups

LONDON = ZoneInfo("Europe/London")
HOLIDAYS = load_followups(DEFAULT_CONFIG_DIR).bank_holidays


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_weekend_does_not_count() -> None:
    friday = utc(2026, 11, 27, 10, 0)
    assert add_working_days(friday, 1, HOLIDAYS, LONDON) == utc(2026, 11, 30, 10, 0)  # Monday
    assert add_working_days(friday, 2, HOLIDAYS, LONDON) == utc(2026, 12, 1, 10, 0)  # Tuesday


def test_counting_from_a_saturday_starts_on_monday() -> None:
    saturday = utc(2026, 11, 28, 15, 0)
    assert add_working_days(saturday, 2, HOLIDAYS, LONDON) == utc(2026, 12, 1, 15, 0)


def test_christmas_and_the_boxing_day_substitute_do_not_count() -> None:
    # Christmas Eve 2026 is a Thursday; 25 Dec (Fri) and 28 Dec (Mon, substitute) are holidays.
    christmas_eve = utc(2026, 12, 24, 10, 0)
    assert add_working_days(christmas_eve, 1, HOLIDAYS, LONDON) == utc(2026, 12, 29, 10, 0)
    assert add_working_days(christmas_eve, 2, HOLIDAYS, LONDON) == utc(2026, 12, 30, 10, 0)


def test_easter_2027_is_skipped_and_the_local_time_is_kept() -> None:
    # Good Friday 26 March and Easter Monday 29 March 2027; the clocks go forward on 28 March.
    thursday = datetime(2027, 3, 25, 10, 0, tzinfo=LONDON)  # 10:00 GMT
    result = add_working_days(thursday, 1, HOLIDAYS, LONDON)
    assert result.astimezone(LONDON) == datetime(2027, 3, 30, 10, 0, tzinfo=LONDON)
    assert result.astimezone(UTC) == utc(2027, 3, 30, 9, 0)  # 10:00 BST


def test_the_day_is_judged_in_london_not_utc() -> None:
    # 23:30 UTC on Friday 26 June 2026 is 00:30 on Saturday in London: one working day later is
    # Monday 00:30 London (Sunday 23:30 UTC), not Monday 23:30 UTC.
    late_friday_utc = utc(2026, 6, 26, 23, 30)
    assert add_working_days(late_friday_utc, 1, HOLIDAYS, LONDON) == utc(2026, 6, 28, 23, 30)
    assert add_working_days(late_friday_utc, 1, HOLIDAYS, UTC) == utc(2026, 6, 29, 23, 30)


def test_every_2026_and_2027_bank_holiday_is_configured() -> None:
    expected = {
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
        date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
        date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3),
        date(2027, 5, 31), date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
    }  # fmt: skip
    assert set(HOLIDAYS) == expected
    assert all(is_working_day(d, set()) for d in expected)  # each falls on a weekday
    assert not any(is_working_day(d, HOLIDAYS) for d in expected)


def test_zero_days_is_the_same_moment_and_nonsense_is_refused() -> None:
    start = utc(2026, 11, 23, 9, 0)
    assert add_working_days(start, 0, HOLIDAYS, LONDON) == start
    with pytest.raises(ValueError, match="-1 working days"):
        add_working_days(start, -1, HOLIDAYS, LONDON)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime(2026, 11, 23, 9, 0), 1, HOLIDAYS, LONDON)
