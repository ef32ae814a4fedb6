"""Each timeline event said as a sentence, and the small readers the report uses on event data.

Event data is whatever the code of the day wrote; these readers tolerate missing or odd fields so a
report can always be produced from an old record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.report_shares import FORMAT_NAMES, ReportFormat, recipient_name
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from bot.policy.model import Council
from bot.views.clock import uk_time

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


def text(data: Mapping[str, Any], key: str) -> str:
    """Events written by older code may lack a field; the report shows a gap, never crashes."""
    value = data.get(key)
    return "" if value is None else str(value).strip()


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


def _state_change(d: Mapping[str, Any], _names: OrgNames) -> str:
    sentence = (
        f"Moved from {state_label(text(d, 'from_state'))} to {state_label(text(d, 'to_state'))}"
    )
    if text(d, "summary"):
        sentence += f". Done: {text(d, 'summary')}"
    return sentence + (f". Reason: {text(d, 'reason')}" if text(d, "reason") else "")


def _decision(d: Mapping[str, Any], _names: OrgNames) -> str:
    against = ", against the recommendation" if d.get("differs_from_recommendation") else ""
    return (
        f"Threshold decision: {words(text(d, 'decision'))} (recommended "
        f"{words(text(d, 'recommendation'))}{against}). Rationale: {text(d, 'rationale')}"
    )


_ROUTE_WORDS = {"sms": "SMS", "slack": "Slack", "teams": "Teams", "email": "email"}


def escalation_routes(d: Mapping[str, Any]) -> str:
    """Who an escalation went to and how, with each failed route and its error."""
    routes = []
    for r in d.get("routes") or ():
        if isinstance(r, dict):
            failed = "" if r.get("ok", True) else f" (failed: {text(r, 'error') or 'unknown'})"
            who = words(text(r, "recipient_kind"))
            who += f" ({text(r, 'recipient')})" if text(r, "recipient") else ""
            route = _ROUTE_WORDS.get(text(r, "route"), text(r, "route"))
            routes.append(f"{who} by {route}{failed}")
    return "; ".join(routes) or "nobody"


def _escalation(d: Mapping[str, Any], _names: OrgNames) -> str:
    return f"Escalation level {text(d, 'level')} sent to {escalation_routes(d)}"


def _cause(error: str) -> str:
    """An error code alone ("not_in_channel"), but a status in full ("Slack answered 503")."""
    return error if " answered " in error else error.split(" ")[0]


def _retried(d: Mapping[str, Any], _names: OrgNames) -> str:
    return f"Escalation level {text(d, 'level')} sent again to {escalation_routes(d)}"


def _notification(d: Mapping[str, Any], _names: OrgNames) -> str:
    item = text(d, "item")
    sentence = f"{NOTIFICATION_LABELS.get(item, item)}: {words(text(d, 'status'))}"
    if text(d, "reference"):
        sentence += f", reference {text(d, 'reference')}"
    return sentence + (f". {text(d, 'reason')}" if text(d, "reason") else "")


def _shared(d: Mapping[str, Any], names: OrgNames) -> str:
    version = f" version {text(d, 'version')}" if text(d, "version") else ""
    kind = f" ({format_name(text(d, 'format'))})" if text(d, "format") else ""
    to = f" ({text(d, 'to')})" if text(d, "to") else ""
    sentence = (
        f"Report{version}{kind} shared with {names.recipient(text(d, 'recipient'))}{to} by "
        f"{share_route(text(d, 'route'))}"
    )
    if text(d, "sha256"):
        sentence += f"; SHA-256 {text(d, 'sha256')[:16]}..."
    if text(d, "notification_id"):
        sentence += f"; Notify id {text(d, 'notification_id')}"
    return sentence + ("" if d.get("ok", True) else f" FAILED: {text(d, 'error') or 'not sent'}")


def _checked(d: Mapping[str, Any], names: OrgNames) -> str:
    outcome = {
        "delivered": "delivered",
        "failed": f"NOT delivered ({text(d, 'detail')})",
    }.get(text(d, "state"), f"not confirmed ({text(d, 'detail') or 'no answer'})")
    return (
        f"GOV.UK Notify: the report's email to {names.recipient(text(d, 'recipient'))} "
        f"({text(d, 'to')}) {outcome}"
    )


_SENTENCES = {
    "ReferralReceived": lambda d, n: (
        f"Referral logged as {text(d, 'reference')}; detected "
        f"{format_time(parse_time(d.get('detected_at')))}"
    ),
    "StateChanged": _state_change,
    "ThresholdAssessed": lambda d, n: (
        f"Threshold check recorded: recommends {words(text(d, 'recommendation'))}. "
        f"{text(d, 'summary')}"
    ),
    "ThresholdDecisionRecorded": _decision,
    "ActivationProposed": lambda d, n: (
        "Activation proposed for a second assessor. " + _decision(d, n)
    ),
    "ActivationConfirmed": lambda d, n: "Activation confirmed by a second assessor",
    "MouStatusRecorded": lambda d, n: f"MoU status recorded: {words(text(d, 'status'))}",
    "MouOverridden": lambda d, n: f"MoU requirement overridden. Reason: {text(d, 'reason')}",
    "RecoveryOptInRecorded": lambda d, n: "The council opted in to recovery (council-funded)",
    "ProviderPaged": lambda d, n: (
        f"Paged {', '.join(n.provider(p) for p in d.get('provider_ids') or ()) or 'no provider'}; "
        f"contact due by {format_time(parse_time(d.get('deadline_at')))}"
    ),
    "PageAcknowledged": lambda d, n: f"Page acknowledged for {n.provider(text(d, 'provider_id'))}",
    "ContactRecorded": lambda d, n: (
        f"{n.provider(text(d, 'provider_id'))} made contact with the council at "
        f"{format_time(parse_time(d.get('contact_at')))} ({words(text(d, 'method'))}, by "
        f"{text(d, 'by')})"
    ),
    "ContactReminderSent": lambda d, n: f"Contact reminder (level {text(d, 'level')}) sent",
    "ContactReminderSkipped": lambda d, n: (
        f"Contact reminder (level {text(d, 'level')}) not sent: the contact deadline had passed"
    ),
    "MessageRefused": lambda d, n: (
        f"{words(text(d, 'platform')).capitalize()} refused the bot's {text(d, 'what')} "
        f"({_cause(text(d, 'error'))})"
    ),
    "EscalationSent": _escalation,
    "EscalationRetried": _retried,
    "StatusUpdatePosted": lambda d, n: (
        f"Status update. Changed: {text(d, 'what_changed')}. Impact: {text(d, 'impact')}. "
        f"Next steps: {text(d, 'next_steps')}"
    ),
    "NotificationItemUpdated": _notification,
    "NoteAdded": lambda d, n: f"Note: {text(d, 'text')}",
    "LessonsSubmitted": lambda d, n: (
        f"Lessons learned submitted for {n(text(d, 'organisation'))}, with "
        f"{len(d.get('recommendations') or ())} recommendation(s)"
    ),
    "LessonsCollectionClosed": lambda d, n: "Lessons-learned collection closed",
    "SlackTeamLearnt": lambda d, n: (
        f"The council's contact accepted the Slack Connect invitation from Slack workspace "
        f"{text(d, 'team_id')}, put to MHCLG to confirm"
    ),
    "SlackTeamConfirmed": lambda d, n: (
        f"MHCLG confirmed Slack workspace {text(d, 'team_id')} as the council's"
    ),
    "SlackTeamRejected": lambda d, n: (
        f"MHCLG said Slack workspace {text(d, 'team_id')} is not the council's"
    ),
    "SlackTeamNotLearnt": lambda d, n: (
        f"Slack workspace {text(d, 'team_id')} not taken as the council's: {text(d, 'reason')}"
    ),
    "ReportGenerated": lambda d, n: (
        f"Post-incident report version {text(d, 'version')} generated "
        f"(SHA-256 {text(d, 'sha256')[:16]}...)"
    ),
    "ReportShared": _shared,
    "ReportDeliveryChecked": _checked,
    "ActivationEmailSent": lambda d, n: (
        f"Activation email to the council ({text(d, 'to')})"
        + (" sent" if d.get("ok") else f" NOT sent: {text(d, 'error') or 'unknown error'}")
    ),
    "IcoReminderSent": lambda d, n: (
        f"ICO reminder sent, {text(d, 'hours')} hours after the council became aware"
        f" (ICO deadline {format_time(parse_time(d.get('ico_deadline')))})"
    ),
    "ActionRefused": lambda d, n: f"Refused: not allowed to {words(text(d, 'action'))}",
}


def describe(event: TimelineEvent, names: OrgNames) -> str:
    """A sentence a reader understands; kinds this code does not know are listed, not dropped."""
    sentence = _SENTENCES.get(event.kind)
    data = event.data if isinstance(event.data, dict) else {}
    if sentence is not None:
        return sentence(data, names)
    details = "; ".join(f"{k}: {str(v)[:80]}" for k, v in sorted(data.items()))
    return f"{event.kind}" + (f" ({details[:300]})" if details else "")
