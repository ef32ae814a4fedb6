from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.deadlines import DeadlineKind, DeadlineState
from bot.domain.ladder import contact_deadline_at, contact_ladder, countdown, repeat_after
from bot.policy.load import load_policy
from bot.policy.model import Ladder

NOTIFIED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def new_id_factory() -> Callable[[], str]:
    numbers = count(1)
    return lambda: f"d{next(numbers)}"


def ladder(deadline: str | None = None) -> Ladder:
    return load_policy(DEFAULT_CONFIG_DIR, contact_deadline=deadline).ladder


def test_shipped_ladder_reminds_at_20_and_escalates_every_15_from_30() -> None:
    rows = contact_ladder("inc-1", NOTIFIED, ladder(), new_id_factory())
    assert [(r.kind, r.due_at.strftime("%H:%M"), r.level) for r in rows] == [
        (DeadlineKind.CONTACT_REMINDER, "09:20", 0),
        (DeadlineKind.CONTACT_ESCALATION, "09:30", 1),
        (DeadlineKind.CONTACT_ESCALATION, "09:45", 2),
        (DeadlineKind.CONTACT_ESCALATION, "10:00", 3),
        (DeadlineKind.CONTACT_ESCALATION, "10:15", 4),
    ]
    assert [r.id for r in rows] == ["d1", "d2", "d3", "d4", "d5"]
    assert all(r.incident_id == "inc-1" and r.state is DeadlineState.PENDING for r in rows)
    assert all(r.created_at == NOTIFIED for r in rows)


def test_payload_says_who_to_notify_and_when_contact_was_due() -> None:
    rows = contact_ladder("inc-1", NOTIFIED, ladder(), new_id_factory())
    assert rows[0].payload == {
        "notify": ["provider_channel"],
        "deadline_at": "2026-11-23T09:30:00+00:00",
        "step": 0,
    }
    assert rows[1].payload["notify"] == ["provider_escalation", "duty_manager", "incident_channel"]
    assert [r.payload["step"] for r in rows] == [0, 1, 2, 3, 4]


def test_only_the_last_escalation_repeats_every_15_minutes() -> None:
    rows = contact_ladder("inc-1", NOTIFIED, ladder(), new_id_factory())
    assert [r.payload.get("repeat_after") for r in rows] == [None, None, None, None, 900.0]
    assert repeat_after(ladder()) == timedelta(minutes=15)


def test_the_repeat_scales_with_the_contact_deadline() -> None:
    rows = contact_ladder("inc-1", NOTIFIED, ladder("90s"), new_id_factory())
    assert rows[-1].payload["repeat_after"] == 45.0
    assert "repeat_after" not in rows[-2].payload


def test_a_90_second_deadline_scales_every_step() -> None:
    short = ladder("90s")
    rows = contact_ladder("inc-1", NOTIFIED, short, new_id_factory())
    assert [(r.due_at - NOTIFIED).total_seconds() for r in rows] == [60, 90, 135, 180, 225]
    assert contact_deadline_at(NOTIFIED, short) == NOTIFIED + timedelta(seconds=90)
    assert rows[0].payload["deadline_at"] == "2026-11-23T09:01:30+00:00"


def test_countdown_before_the_deadline() -> None:
    view = countdown(NOTIFIED + timedelta(minutes=21), NOTIFIED, ladder(), None)
    assert view.remaining == timedelta(minutes=9)
    assert not view.overdue
    assert view.overdue_by == timedelta(0)
    assert view.level == 0
    assert not view.contact_made
    assert view.deadline_at == NOTIFIED + timedelta(minutes=30)


def test_countdown_at_and_after_the_deadline_climbs_the_ladder() -> None:
    at_deadline = countdown(NOTIFIED + timedelta(minutes=30), NOTIFIED, ladder(), None)
    assert at_deadline.overdue
    assert at_deadline.level == 1
    assert at_deadline.remaining == timedelta(0)
    later = countdown(NOTIFIED + timedelta(minutes=50), NOTIFIED, ladder(), None)
    assert later.overdue
    assert later.level == 2
    assert later.overdue_by == timedelta(minutes=20)
    last_step = countdown(NOTIFIED + timedelta(minutes=89), NOTIFIED, ladder(), None)
    assert last_step.level == 4
    repeated = countdown(NOTIFIED + timedelta(minutes=90), NOTIFIED, ladder(), None)
    assert repeated.level == 5  # the last step repeats every 15 minutes, a level higher each
    far = countdown(NOTIFIED + timedelta(hours=5), NOTIFIED, ladder(), None)
    assert far.level == 4 + (300 - 75) // 15


def test_countdown_stops_when_contact_is_made() -> None:
    in_time = countdown(
        NOTIFIED + timedelta(hours=2), NOTIFIED, ladder(), NOTIFIED + timedelta(minutes=12)
    )
    assert in_time.contact_made
    assert not in_time.overdue
    assert in_time.remaining == timedelta(minutes=18)
    assert in_time.level == 0
    on_the_dot = countdown(
        NOTIFIED + timedelta(hours=2), NOTIFIED, ladder(), NOTIFIED + timedelta(minutes=30)
    )
    assert not on_the_dot.overdue
    late = countdown(
        NOTIFIED + timedelta(hours=2), NOTIFIED, ladder(), NOTIFIED + timedelta(minutes=47)
    )
    assert late.overdue
    assert late.overdue_by == timedelta(minutes=17)
    assert late.level == 2


def test_countdown_scales_with_a_90_second_deadline() -> None:
    short = ladder("90s")
    view = countdown(NOTIFIED + timedelta(seconds=140), NOTIFIED, short, None)
    assert view.overdue
    assert view.level == 2
    assert view.overdue_by == timedelta(seconds=50)
