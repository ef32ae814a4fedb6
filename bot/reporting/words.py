"""The small readers the report uses on event payloads, and the names things go by in it.

Event data is whatever the code of the day wrote; these tolerate missing or odd values so a
report can always be produced from an old record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.events import EscalationRetried, EscalationSent
from bot.domain.report_shares import FORMAT_NAMES, ReportFormat, recipient_name
from bot.domain.states import State
from bot.domain.uk_time import uk_time
from bot.policy.model import Council

NOTIFICATION_LABELS = {
    "ico": "ICO (personal data breach, within 72 hours)",
    "action_fraud": "Action Fraud / NCA (0300 123 2040)",
    "warp": "Regional WARP",
    "ncsc": "NCSC",
}
_ORG_KINDS = {"mhclg": "MHCLG", "system": "CIR bot", "ncsc": "NCSC", "gc3": "GC3"}
# The bodies a referral says were told, as they are written ("NCSC", not "ncsc").
BODY_NAMES = {
    "ncsc": "NCSC",
    "ico": "ICO",
    "action_fraud": "Action Fraud / NCA",
    "warp": "Regional WARP",
    "mhclg": "MHCLG",
    "gc3": "GC3",
}
# How a report was shared, in words.
SHARE_ROUTES = {
    "notify_file": "GOV.UK Notify, file by email",
    "notify_email_link": "GOV.UK Notify, email with a link",
    "email": "email",
}


def body_name(body: str) -> str:
    return BODY_NAMES.get(body, body.replace("_", " "))


def share_route(route: str) -> str:
    return SHARE_ROUTES.get(route, route.replace("_", " "))


def format_name(value: str) -> str:
    try:
        return FORMAT_NAMES[ReportFormat(value)]
    except ValueError:
        return value


def clean(value: object) -> str:
    """A payload's field as the report shows it: None (never written) is a gap, never "None"."""
    return "" if value is None else str(value).strip()


def text(data: Mapping[str, Any], key: str) -> str:
    """A key of a nested record (a delivery route, a recommendation): a gap when missing."""
    return clean(data.get(key))


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime | None) -> str:
    """UK time with its zone (GMT or BST): the report is a UK document."""
    return uk_time(value) if value else "-"


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return "-"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if days or hours:
        parts.append(f"{hours} h")
    parts.append(f"{mins:02d} min" if parts else f"{mins} min")
    return " ".join(parts)


def state_label(state: str) -> str:
    try:
        return State(state).label
    except ValueError:
        return state or "(unknown)"


def words(value: str) -> str:
    return value.replace("_", " ")


class OrgNames:
    """Shows `provider:kpmg` as KPMG and the incident's council by its name."""

    def __init__(self, council: Council, providers: Mapping[str, str]) -> None:
        self._council = council
        self._providers = providers

    def __call__(self, organisation: str) -> str:
        kind, _, org_id = organisation.partition(":")
        if kind == "council" and org_id == self._council.id:
            return self._council.name
        if kind == "provider":
            return self._providers.get(org_id, org_id)
        return _ORG_KINDS.get(kind, organisation)

    def provider(self, provider_id: Any) -> str:
        return self(f"provider:{provider_id}")

    def recipient(self, value: str) -> str:
        """A report recipient id ('ncsc', 'council') as written: 'NCSC', the council's name."""
        return recipient_name(value, self._council.name)


_ROUTE_WORDS = {"sms": "SMS", "slack": "Slack", "teams": "Teams", "email": "email"}


def escalation_routes(escalation: EscalationSent | EscalationRetried) -> str:
    """Who an escalation went to and how, with each failed route and its error."""
    routes = []
    for r in escalation.routes or ():
        if isinstance(r, dict):
            failed = "" if r.get("ok", True) else f" (failed: {text(r, 'error') or 'unknown'})"
            who = words(text(r, "recipient_kind"))
            who += f" ({text(r, 'recipient')})" if text(r, "recipient") else ""
            route = _ROUTE_WORDS.get(text(r, "route"), text(r, "route"))
            routes.append(f"{who} by {route}{failed}")
    return "; ".join(routes) or "nobody"
