from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.domain.timeline import GENESIS_HASH, NewEvent, chain, verify
from tests.factories import TIMELINE_KEY

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def build(n: int) -> list:
    events, prev = [], GENESIS_HASH
    for i in range(1, n + 1):
        e = chain(
            TIMELINE_KEY,
            "inc",
            i,
            NewEvent("Note", "u", "U", "mhclg:mhclg", T0 + timedelta(minutes=i), {"i": i}),
            prev,
        )
        events.append(e)
        prev = e.hash
    return events


def test_intact_chain_verifies() -> None:
    assert verify(TIMELINE_KEY, build(5)) == []


def test_edited_content_is_detected_at_that_event() -> None:
    events = build(5)
    events[2] = replace(events[2], data={"i": 999})
    problems = verify(TIMELINE_KEY, events)
    assert [(p.seq, p.reason) for p in problems] == [(3, "content does not match hash")]


def test_deleted_event_is_detected() -> None:
    events = build(5)
    del events[1]
    reasons = {p.reason for p in verify(TIMELINE_KEY, events)}
    assert "missing event(s) before seq 3" in reasons
    assert "previous-hash link broken" in reasons


def test_rehashed_forgery_breaks_the_next_link() -> None:
    events = build(4)
    forged = chain(
        TIMELINE_KEY,
        "inc",
        2,
        NewEvent("Note", "u", "U", "mhclg:mhclg", events[1].at, {"i": "forged"}),
        events[0].hash,
    )
    events[1] = forged
    assert [p.seq for p in verify(TIMELINE_KEY, events)] == [3]


def test_time_zone_of_event_time_does_not_change_the_hash() -> None:
    from zoneinfo import ZoneInfo

    utc_event = chain(TIMELINE_KEY, "inc", 1, NewEvent("Note", "u", "U", "o", T0, {}), GENESIS_HASH)
    london = T0.astimezone(ZoneInfo("Europe/London"))
    local_event = chain(
        TIMELINE_KEY, "inc", 1, NewEvent("Note", "u", "U", "o", london, {}), GENESIS_HASH
    )
    assert utc_event.hash == local_event.hash
