"""How long an incident's personal data is kept after it closes (config/retention.yml).

MoJ's security guidance keeps security logs at least 6 months and by default no more than 2
years (DOMAIN.md), so the period is refused outside 6 months to 7 years: a typo such as `2d`
would otherwise purge every closed incident at the next daily run. The file is optional; without
it the default is 2 years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.policy.errors import ConfigError
from bot.policy.reader import Node, load_yaml

FILE = "retention.yml"
DEFAULT_PERIOD = "2 years"
DEFAULT_DAILY_AT = "03:00"
_PERIOD = re.compile(r"^\s*(\d+)\s*(years?|y|months?|weeks?|w|days?|d)\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SHORTEST = timedelta(days=180)  # 6 months, as `approx` counts them (26 weeks is 182 days)
LONGEST = timedelta(days=7 * 366)


@dataclass(frozen=True)
class Period:
    """A period as people say it: calendar years and months, or weeks and days."""

    years: int = 0
    months: int = 0
    days: int = 0

    def after(self, when: datetime) -> datetime:
        months = when.month - 1 + self.months + 12 * self.years
        year, month = when.year + months // 12, months % 12 + 1
        day = min(when.day, _days_in(year, month))  # 29 February + 1 year: 28 February
        return when.replace(year=year, month=month, day=day) + timedelta(days=self.days)

    def approx(self) -> timedelta:
        return timedelta(days=self.years * 365 + self.months * 30 + self.days)

    def __str__(self) -> str:
        parts = [(self.years, "year"), (self.months, "month"), (self.days, "day")]
        return ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for n, word in parts if n)


def _days_in(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def parse_period(text: str) -> Period:
    found = _PERIOD.match(text)
    if not found or int(found[1]) <= 0:
        raise ValueError(f"{text!r} is not a period like 2 years, 18 months, 104 weeks or 730 days")
    n, unit = int(found[1]), found[2].lower()
    if unit.startswith("y"):
        return Period(years=n)
    if unit.startswith("month"):
        return Period(months=n)
    if unit.startswith("w"):
        return Period(days=7 * n)
    return Period(days=n)


@dataclass(frozen=True)
class Retention:
    keep_after_closure: Period = Period(years=2)
    daily_at: time = time(3, 0)  # London time, when the daily purge runs

    def due_at(self, closed_at: datetime) -> datetime:
        return self.keep_after_closure.after(closed_at)


def load_retention(directory: Path, *, notify_file_weeks: int | None = None) -> Retention:
    path = directory / FILE
    if not path.exists():
        return Retention()
    raw = load_yaml(path)
    doc = Node(str(path), "", raw if raw is not None else {})
    node = doc.child("keep_after_closure")
    text = node.str(default=DEFAULT_PERIOD)
    fix = "give a period like 2 years, 18 months, 104 weeks or 730 days"
    try:
        period = parse_period(text)
    except ValueError as exc:
        raise node.fail(str(exc), fix) from None
    if not SHORTEST <= period.approx() <= LONGEST:
        raise node.fail(
            f"{text!r} is outside 6 months to 7 years (security logs are kept at least 6 months; "
            "longer than needed keeps personal data without a reason)",
            "give a period between 6 months and 7 years; 2 years is MoJ's default",
        )
    if notify_file_weeks is not None and timedelta(weeks=notify_file_weeks) > period.approx():
        raise node.fail(
            f"GOV.UK Notify would keep the shared report's file ({notify_file_weeks} weeks, "
            "followups.yml report_file_retention_weeks) longer than the incident is kept",
            "lower report_file_retention_weeks or lengthen keep_after_closure",
        )
    at_node = doc.child("daily_at")
    at_text = at_node.str(default=DEFAULT_DAILY_AT)
    clock = _CLOCK.match(at_text)
    if clock is None:
        raise at_node.fail(f"{at_text!r} is not a time of day", 'write it as "03:00" (London)')
    return Retention(period, time(int(clock[1]), int(clock[2])))


__all__ = ["ConfigError", "Period", "Retention", "load_retention", "parse_period"]
