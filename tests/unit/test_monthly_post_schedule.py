"""When the monthly figures are posted: 09:00 London on the first working day of the month,
with the month before's figures; one row per month, named by it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.deadlines import DeadlineKind
from bot.domain.monthly_post import first_working_day, next_post, post_deadline

LONDON = ZoneInfo("Europe/London")
HOLIDAYS = {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2027, 5, 3)}


def test_a_month_starting_on_a_bank_holiday_then_a_weekend_posts_on_the_monday() -> None:
    assert first_working_day(date(2027, 1, 1), HOLIDAYS) == date(2027, 1, 4)  # Fri holiday
    assert first_working_day(date(2026, 11, 1), HOLIDAYS) == date(2026, 11, 2)  # a Sunday
    assert first_working_day(date(2026, 12, 1), HOLIDAYS) == date(2026, 12, 1)  # a Tuesday


def test_the_post_of_a_month_carries_the_month_before_at_nine_london_time() -> None:
    post = post_deadline(date(2027, 1, 1), HOLIDAYS, LONDON, datetime(2026, 12, 5, tzinfo=UTC))
    assert post.id == "monthly-figures-2027-01"
    assert post.kind is DeadlineKind.MONTHLY_FIGURES
    assert post.incident_id == ""
    assert post.payload == {"month": "2026-12"}
    assert post.due_at == datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)
    summer = post_deadline(date(2027, 6, 1), HOLIDAYS, LONDON, datetime(2027, 5, 5, tzinfo=UTC))
    assert summer.due_at.astimezone(UTC) == datetime(2027, 6, 1, 8, 0, tzinfo=UTC)  # BST


def test_the_next_post_is_this_months_until_its_time_then_next_months() -> None:
    before = datetime(2026, 12, 1, 8, 59, tzinfo=LONDON)
    at = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    assert next_post(before, HOLIDAYS, LONDON).id == "monthly-figures-2026-12"
    assert next_post(at, HOLIDAYS, LONDON).id == "monthly-figures-2027-01"
    late_december = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert next_post(late_december, HOLIDAYS, LONDON).id == "monthly-figures-2027-01"
