"""Duty rotas by shift: handovers at a London time, right on both sides of a clock change, and
the old whole-day entries still meaning 00:00 London."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.policy.errors import ConfigError
from bot.policy.load import load_policy

NIGHT = "{name: Night Manager, phone: '07700 900201', slack_user: U0NIGHT}"
DAY = "{name: Day Manager, phone: '07700 900202', slack_user: U0DAY}"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def with_rota(config_dir: Path, *entries: tuple[str, str]) -> Path:
    path = config_dir / "mhclg.yml"
    text = path.read_text()
    start = text.index("duty_rota:\n")
    end = text.index("\n# How long")
    lines = "".join(f"\n  - from: {when}\n    manager: {who}" for when, who in entries)
    path.write_text(text[:start] + "duty_rota:" + lines + text[end:])
    return config_dir


@pytest.mark.parametrize(
    ("night_from", "day_from", "last_night_minute", "first_day_minute"),
    [
        # clocks go forward at 01:00 UTC on 29 March 2026: 08:00 London is 07:00 UTC
        ('"2026-03-28 20:00"', '"2026-03-29 08:00"', utc(2026, 3, 29, 6, 59), utc(2026, 3, 29, 7)),
        # clocks go back at 01:00 UTC on 25 October 2026: 08:00 London is 08:00 UTC
        (
            '"2026-10-24 20:00"',
            '"2026-10-25 08:00"',
            utc(2026, 10, 25, 7, 59),
            utc(2026, 10, 25, 8),
        ),
    ],
)
def test_the_manager_on_duty_changes_at_0800_london_across_a_clock_change(
    config_dir: Path,
    night_from: str,
    day_from: str,
    last_night_minute: datetime,
    first_day_minute: datetime,
) -> None:
    mhclg = load_policy(with_rota(config_dir, (night_from, NIGHT), (day_from, DAY))).mhclg
    night, day = (s.start for s in mhclg.duty_rota)
    assert (night.astimezone(UTC).hour, day.astimezone(UTC).hour) in {(20, 7), (19, 8)}
    assert mhclg.duty_manager(last_night_minute).name == "Night Manager"  # type: ignore[union-attr]
    assert mhclg.duty_manager(first_day_minute).name == "Day Manager"  # type: ignore[union-attr]
    assert mhclg.duty_manager(utc(2020, 1, 1)) is None


def test_a_bare_date_is_midnight_london_and_an_offset_is_taken_as_written(
    config_dir: Path,
) -> None:
    mhclg = load_policy(
        with_rota(config_dir, ("2026-07-01", NIGHT), ('"2026-10-25 01:30+01:00"', DAY))
    ).mhclg
    first, second = (s.start for s in mhclg.duty_rota)
    assert first.astimezone(UTC) == utc(2026, 6, 30, 23)  # 00:00 BST
    assert second.astimezone(UTC) == utc(2026, 10, 25, 0, 30)  # the first 01:30, as written


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ('"2026-03-29 01:30"', "does not exist in London"),
        ('"2026-10-25 01:30"', "happens twice in London"),
        ('"next Tuesday"', "Invalid isoformat"),
        ("[2026]", "expected a date or a date and time"),
    ],
)
def test_a_handover_the_clock_skips_repeats_or_cannot_read_stops_start_up(
    config_dir: Path, when: str, problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem) as err:
        load_policy(with_rota(config_dir, ("2026-03-01", NIGHT), (when, DAY)))
    assert r"mhclg.yml: duty_rota[1].from" in str(err.value)
    assert "Fix:" in str(err.value)


def test_two_shifts_starting_at_the_same_minute_are_refused(config_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"duty_rota\[1\].from: two shifts start"):
        load_policy(with_rota(config_dir, ("2026-03-01", NIGHT), ('"2026-03-01 00:00"', DAY)))


def test_the_provider_rota_hands_over_by_the_minute_and_whole_days_include_the_last(
    config_dir: Path,
) -> None:
    path = config_dir / "providers.yml"
    text = path.read_text()
    rota = text[text.index("rota:\n") :]
    path.write_text(
        text.replace(
            rota,
            "rota:\n"
            "  - {from: 2026-03-01, to: 2026-03-28, providers: [accenture]}\n"
            '  - {from: "2026-03-29 08:00", to: "2026-04-05 08:00", providers: [kpmg]}\n',
        )
    )
    policy = load_policy(config_dir)

    def on_duty(at: datetime) -> list[str]:
        return [p.id for p in policy.providers_on_duty(at)]

    assert on_duty(utc(2026, 3, 28, 23, 59)) == ["accenture"]  # 23:59 GMT, 28 March included
    assert on_duty(utc(2026, 3, 29, 0, 0)) == []
    assert on_duty(utc(2026, 3, 29, 7, 0)) == ["kpmg"]  # 08:00 BST
    assert on_duty(utc(2026, 4, 5, 6, 59)) == ["kpmg"]
    assert on_duty(utc(2026, 4, 5, 7, 0)) == []


def test_a_provider_period_that_ends_before_it_starts_is_refused(config_dir: Path) -> None:
    path = config_dir / "providers.yml"
    path.write_text(
        path.read_text().replace(
            "{from: 2025-09-01, providers: [kpmg]}",
            '{from: "2025-09-01 08:00", to: "2025-09-01 08:00", providers: [kpmg]}',
        )
    )
    with pytest.raises(ConfigError, match=r"providers.yml: rota\[1\].to: ends before it starts"):
        load_policy(config_dir)
