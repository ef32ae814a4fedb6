"""The follow-up policy (status update cadence, ICO reminders, lessons-learned reminders, bank
holidays, checklist labels, report recipients), loaded strictly from config/followups.yml so a
typo stops start-up with the file, the key and the fix instead of silently never reminding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.policy.reader import EMAIL, Node, load_yaml
from bot.ports.notify import RETENTION_WEEKS

FILE = "followups.yml"
CHECKLIST_ITEMS = ("ico", "action_fraud", "warp", "ncsc")
REPORT_RECIPIENTS = ("mhclg", "ncsc", "gc3")


@dataclass(frozen=True)
class ChecklistLabel:
    label: str
    detail: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ReportRecipient:
    name: str
    email: str


@dataclass(frozen=True)
class Followups:
    update_cadence: timedelta
    ico_deadline: timedelta
    ico_reminder_hours: tuple[int, ...]
    lessons_reminder_days: tuple[int, ...]
    timezone: tzinfo
    bank_holidays: frozenset[date]
    checklist: dict[str, ChecklistLabel]
    report_recipients: dict[str, ReportRecipient]
    report_retention_weeks: int = 26  # how long Notify keeps the shared report's file


def _positive_int(node: Node) -> int:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise node.fail(f"expected a whole number above 0, got {value!r}", "write e.g. 48")
    return value


def _ascending(node: Node, *, below: int | None = None) -> tuple[int, ...]:
    values = tuple(_positive_int(n) for n in node.items())
    if not values:
        raise node.fail("no values", "list at least one, e.g. [48, 66]")
    if list(values) != sorted(set(values)):
        raise node.fail(
            f"{list(values)} is not in ascending order", "list each value once, low first"
        )
    if below is not None and values[-1] >= below:
        raise node.fail(
            f"{values[-1]} is not before the {below}-hour mark",
            f"give hours below {below}, or the reminder comes too late to act on",
        )
    return values


def _timezone(node: Node) -> tzinfo:
    name = node.str(default="Europe/London")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise node.fail(
            f"unknown time zone {name!r}", "use an IANA name like Europe/London"
        ) from None


def _checklist(node: Node) -> dict[str, ChecklistLabel]:
    for name in node.mapping():
        if name not in CHECKLIST_ITEMS:
            raise node.child(name).fail(
                f"unknown checklist item {name!r}", f"use {', '.join(CHECKLIST_ITEMS)}"
            )
    labels: dict[str, ChecklistLabel] = {}
    for name in CHECKLIST_ITEMS:
        item = node.child(name)
        if item.value is None:
            raise item.fail("is missing", f"add {name} with at least a label")
        labels[name] = ChecklistLabel(
            label=item.child("label").str(),
            detail=item.child("detail").str(default=""),
            phone=item.child("phone").str(default=""),
        )
    return labels


def _recipients(node: Node) -> dict[str, ReportRecipient]:
    for name in node.mapping():
        if name not in REPORT_RECIPIENTS:
            raise node.child(name).fail(
                f"unknown report recipient {name!r}", f"use {', '.join(REPORT_RECIPIENTS)}"
            )
    recipients: dict[str, ReportRecipient] = {}
    for name in REPORT_RECIPIENTS:
        item = node.child(name)
        if item.value is None:
            raise item.fail("is missing", f"add {name} with a name and an email address")
        email = item.child("email").str()
        if not EMAIL.match(email):
            raise item.child("email").fail(f"{email!r} is not an email address", "fix the address")
        recipients[name] = ReportRecipient(name=item.child("name").str(), email=email)
    return recipients


def _retention_weeks(node: Node) -> int:
    """Notify keeps a file sent by email for 1 to 78 weeks and refuses anything else; refusing
    it here stops start-up with the fix instead of failing every share."""
    if node.value is None:
        return 26
    value = node.value
    first, last = RETENTION_WEEKS[0], RETENTION_WEEKS[-1]
    if isinstance(value, bool) or not isinstance(value, int) or value not in RETENTION_WEEKS:
        raise node.fail(
            f"expected a whole number of weeks from {first} to {last}, got {value!r}",
            f"GOV.UK Notify keeps a file sent by email for {first} to {last} weeks; write e.g. 26",
        )
    return value


def load_followups(directory: Path) -> Followups:
    path = directory / FILE
    doc = Node(str(path), "", load_yaml(path))
    doc.mapping()
    ico = doc.child("ico")
    deadline_hours = _positive_int(ico.child("deadline_hours")) if ico.has("deadline_hours") else 72
    holidays = [n.date() for n in doc.child("bank_holidays").items()]
    return Followups(
        update_cadence=doc.child("update_cadence").duration(default="4h"),
        ico_deadline=timedelta(hours=deadline_hours),
        ico_reminder_hours=_ascending(ico.child("reminder_hours"), below=deadline_hours),
        lessons_reminder_days=_ascending(doc.child("lessons_reminder_working_days")),
        timezone=_timezone(doc.child("timezone")),
        bank_holidays=frozenset(holidays),
        checklist=_checklist(doc.child("checklist")),
        report_recipients=_recipients(doc.child("report_recipients")),
        report_retention_weeks=_retention_weeks(doc.child("report_file_retention_weeks")),
    )
