"""Exercise mode's parts on their own: the scaled clock, what the banner says, the settings that
turn it on (and their refusals), the banner on Slack payloads and on emails and texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app.settings import load_settings
from bot.domain.clock import FakeClock, ScaledClock, SystemClock, speed_of
from bot.domain.exercise import ServiceMode
from bot.policy.errors import ConfigError
from bot.ports.notify import Attachment, Delivery, DeliveryState, DeliveryStatus
from handlers.notify.marked import MarkedNotifier
from handlers.slack.marked import with_banner

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Wall:
    """Monotonic seconds a test moves by hand."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def test_at_10x_three_real_minutes_are_thirty_service_minutes() -> None:
    wall = Wall()
    clock = ScaledClock(10, start=START, wall=wall)
    assert clock.now() == START
    wall.seconds += 180
    assert clock.now() == START + timedelta(minutes=30)
    wall.seconds += 0.1
    assert clock.now() == START + timedelta(minutes=30, seconds=1)
    assert speed_of(clock) == 10
    assert speed_of(SystemClock()) == 1
    assert speed_of(FakeClock()) == 1


def test_a_scaled_clock_refuses_a_speed_of_zero_and_a_naive_start() -> None:
    with pytest.raises(ValueError, match="above 0"):
        ScaledClock(0)
    with pytest.raises(ValueError, match="timezone-aware"):
        ScaledClock(10, start=datetime(2026, 11, 23, 9, 0))


def test_the_banner_says_exercise_and_the_speed_in_plain_words() -> None:
    assert ServiceMode().banner() == ""
    assert not ServiceMode().marked
    both = ServiceMode(exercise=True, speed=10)
    assert both.banner() == (
        "EXERCISE: a rehearsal, not a real incident · service clock 10x: 30 minutes pass in 3"
    )
    assert ServiceMode(speed=60).banner() == "service clock 60x: 30 minutes pass in 0.5"
    assert both.mark("OFFICIAL-SENSITIVE") == "EXERCISE - OFFICIAL-SENSITIVE"
    assert ServiceMode(speed=10).mark("OFFICIAL") == "OFFICIAL"  # fast, but not an exercise
    assert both.subject("CIR-2026-0001 activated") == "[EXERCISE] CIR-2026-0001 activated"


def test_settings_turn_it_on_and_refuse_a_speed_that_is_not_one() -> None:
    settings = load_settings({"CIR_EXERCISE": "1", "CIR_SPEED": "10x"})
    assert settings.exercise
    assert settings.speed == 10
    assert load_settings({}).speed == 1
    assert not load_settings({}).exercise
    for bad in ("fast", "0", "0.5", "5000", "-3"):
        with pytest.raises(ConfigError) as refused:
            load_settings({"CIR_SPEED": bad})
        assert "CIR_SPEED" in str(refused.value)
        assert "from 1 (real time)" in str(refused.value)
    with pytest.raises(ConfigError, match="CIR_EXERCISE"):
        load_settings({"CIR_EXERCISE": "maybe"})


def context(*texts: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts]}


def test_the_banner_is_a_line_of_its_own_and_never_breaks_slacks_block_limit() -> None:
    banner = "EXERCISE: a rehearsal, not a real incident"
    marking = context("*OFFICIAL*")
    blocks = with_banner([marking, {"type": "divider"}], banner, 50)
    assert len(blocks) == 3
    assert banner in blocks[0]["elements"][0]["text"]
    assert with_banner(blocks, banner, 50) == blocks  # marked once, not twice
    full = [marking] + [{"type": "divider"}] * 49
    merged = with_banner(full, banner, 50)
    assert len(merged) == 50
    assert banner in merged[0]["elements"][0]["text"]
    assert merged[0]["elements"][1]["text"] == "*OFFICIAL*"


class Recording:
    def __init__(self) -> None:
        self.sent: list[tuple[str, ...]] = []

    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        self.sent.append(("email", to, subject, body))
        return Delivery(True, "email", to)

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        self.sent.append(("sms", to, body))
        return Delivery(True, "sms", to)

    async def send_file(
        self, to: str, subject: str, body: str, file: Attachment, *, reference: str
    ) -> Delivery:
        self.sent.append(("file", to, subject, body))
        return Delivery(True, "email", to)

    async def status(self, notification_id: str) -> DeliveryStatus:
        return DeliveryStatus(DeliveryState.DELIVERED)


async def test_an_exercises_emails_and_texts_say_exercise_first() -> None:
    inner = Recording()
    notifier = MarkedNotifier(inner, ServiceMode(exercise=True, speed=10))
    await notifier.send_email("a@b.example", "Contact deadline missed", "Body", reference="R")
    await notifier.send_sms("07700 900002", "CIR-2026-0001: escalation", reference="R")
    await notifier.send_file(
        "a@b.example", "Report", "See the link", Attachment(b"%PDF", "r.pdf", 4), reference="R"
    )
    email, sms, file = inner.sent
    assert email[2] == "[EXERCISE] Contact deadline missed"
    assert email[3].startswith("EXERCISE: a rehearsal, not a real incident")
    assert "Body" in email[3]
    assert sms[2] == "[EXERCISE] CIR-2026-0001: escalation"
    assert file[2] == "[EXERCISE] Report"
    assert "EXERCISE" in file[3]
    assert notifier.single_attempt().mode == notifier.mode
