"""Each timeline event said as a sentence, one function per payload class.

A sentence reads its event's typed payload (bot.domain.events), so a misspelt field is a type
error; kinds without a sentence, and kinds this code does not know, are listed with their data
rather than dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from bot.domain.events import (
    ActionRefused,
    ActivationConfirmed,
    ActivationEmailSent,
    ActivationProposed,
    ContactRecorded,
    ContactReminderSent,
    ContactReminderSkipped,
    EscalationRetried,
    EscalationSent,
    IcoReminderSent,
    LessonsCollectionClosed,
    LessonsSubmitted,
    MessageRefused,
    MouOverridden,
    MouStatusRecorded,
    NoteAdded,
    NotificationItemUpdated,
    PageAcknowledged,
    Payload,
    ProviderPaged,
    RecoveryOptInRecorded,
    ReferralReceived,
    ReportDeliveryChecked,
    ReportGenerated,
    ReportShared,
    SlackTeamConfirmed,
    SlackTeamLearnt,
    SlackTeamNotLearnt,
    SlackTeamRejected,
    StateChanged,
    StatusUpdatePosted,
    ThresholdAssessed,
    ThresholdDecisionRecorded,
    parse,
)
from bot.domain.timeline import TimelineEvent
from bot.reporting.words import (
    NOTIFICATION_LABELS,
    OrgNames,
    clean,
    escalation_routes,
    format_name,
    format_time,
    parse_time,
    share_route,
    state_label,
    words,
)

P = TypeVar("P", bound=Payload)
Sentence = Callable[[P, OrgNames], str]
_SENTENCES: dict[type[Payload], Callable[[Any, OrgNames], str]] = {}


def says(cls: type[P]) -> Callable[[Sentence[P]], Sentence[P]]:
    """Registers the sentence for events of exactly `cls`."""

    def register(sentence: Sentence[P]) -> Sentence[P]:
        _SENTENCES[cls] = sentence
        return sentence

    return register


def describe(event: TimelineEvent, names: OrgNames) -> str:
    """A sentence a reader understands; kinds this code does not know are listed, not dropped."""
    data = event.data if isinstance(event.data, dict) else {}
    return say(event, parse(event.kind, data), names)


def say(event: TimelineEvent, payload: Payload | None, names: OrgNames) -> str:
    """`describe`, given the event's payload already read."""
    sentence = _SENTENCES.get(type(payload)) if payload is not None else None
    if sentence is not None:
        return sentence(payload, names)
    data = event.data if isinstance(event.data, dict) else {}
    details = "; ".join(f"{k}: {str(v)[:80]}" for k, v in sorted(data.items()))
    return f"{event.kind}" + (f" ({details[:300]})" if details else "")


@says(ReferralReceived)
def _referral(p: ReferralReceived, _n: OrgNames) -> str:
    return (
        f"Referral logged as {clean(p.reference)}; detected "
        f"{format_time(parse_time(p.detected_at))}"
    )


@says(StateChanged)
def _state_change(p: StateChanged, _n: OrgNames) -> str:
    sentence = f"Moved from {state_label(clean(p.from_state))} to {state_label(clean(p.to_state))}"
    if clean(p.summary):
        sentence += f". Done: {clean(p.summary)}"
    return sentence + (f". Reason: {clean(p.reason)}" if clean(p.reason) else "")


@says(ThresholdAssessed)
def _assessed(p: ThresholdAssessed, _n: OrgNames) -> str:
    return (
        f"Threshold check recorded: recommends {words(clean(p.recommendation))}. {clean(p.summary)}"
    )


@says(ThresholdDecisionRecorded)
def _decision(p: ThresholdDecisionRecorded, _n: OrgNames) -> str:
    against = ", against the recommendation" if p.differs_from_recommendation else ""
    return (
        f"Threshold decision: {words(clean(p.decision))} (recommended "
        f"{words(clean(p.recommendation))}{against}). Rationale: {clean(p.rationale)}"
    )


@says(ActivationProposed)
def _proposed(p: ActivationProposed, n: OrgNames) -> str:
    return "Activation proposed for a second assessor. " + _decision(p, n)


@says(ActivationConfirmed)
def _confirmed(_p: ActivationConfirmed, _n: OrgNames) -> str:
    return "Activation confirmed by a second assessor"


@says(MouStatusRecorded)
def _mou(p: MouStatusRecorded, _n: OrgNames) -> str:
    return f"MoU status recorded: {words(clean(p.status))}"


@says(MouOverridden)
def _mou_overridden(p: MouOverridden, _n: OrgNames) -> str:
    return f"MoU requirement overridden. Reason: {clean(p.reason)}"


@says(RecoveryOptInRecorded)
def _recovery(_p: RecoveryOptInRecorded, _n: OrgNames) -> str:
    return "The council opted in to recovery (council-funded)"


@says(ProviderPaged)
def _paged(p: ProviderPaged, n: OrgNames) -> str:
    providers = ", ".join(n.provider(x) for x in p.provider_ids or ()) or "no provider"
    return f"Paged {providers}; contact due by {format_time(parse_time(p.deadline_at))}"


@says(PageAcknowledged)
def _acknowledged(p: PageAcknowledged, n: OrgNames) -> str:
    return f"Page acknowledged for {n.provider(clean(p.provider_id))}"


@says(ContactRecorded)
def _contact(p: ContactRecorded, n: OrgNames) -> str:
    return (
        f"{n.provider(clean(p.provider_id))} made contact with the council at "
        f"{format_time(parse_time(p.contact_at))} ({words(clean(p.method))}, by "
        f"{clean(p.by)})"
    )


@says(ContactReminderSent)
def _reminder(p: ContactReminderSent, _n: OrgNames) -> str:
    return f"Contact reminder (level {clean(p.level)}) sent"


@says(ContactReminderSkipped)
def _reminder_skipped(p: ContactReminderSkipped, _n: OrgNames) -> str:
    return f"Contact reminder (level {clean(p.level)}) not sent: the contact deadline had passed"


def _cause(error: str) -> str:
    """An error code alone ("not_in_channel"), but a status in full ("Slack answered 503")."""
    return error if " answered " in error else error.split(" ")[0]


@says(MessageRefused)
def _refused_message(p: MessageRefused, _n: OrgNames) -> str:
    return (
        f"{words(clean(p.platform)).capitalize()} refused the bot's {clean(p.what)} "
        f"({_cause(clean(p.error))})"
    )


@says(EscalationSent)
def _escalation(p: EscalationSent, _n: OrgNames) -> str:
    return f"Escalation level {clean(p.level)} sent to {escalation_routes(p)}"


@says(EscalationRetried)
def _retried(p: EscalationRetried, _n: OrgNames) -> str:
    return f"Escalation level {clean(p.level)} sent again to {escalation_routes(p)}"


@says(StatusUpdatePosted)
def _status_update(p: StatusUpdatePosted, _n: OrgNames) -> str:
    return (
        f"Status update. Changed: {clean(p.what_changed)}. Impact: {clean(p.impact)}. "
        f"Next steps: {clean(p.next_steps)}"
    )


@says(NotificationItemUpdated)
def _notification(p: NotificationItemUpdated, _n: OrgNames) -> str:
    item = clean(p.item)
    sentence = f"{NOTIFICATION_LABELS.get(item, item)}: {words(clean(p.status))}"
    if clean(p.reference):
        sentence += f", reference {clean(p.reference)}"
    return sentence + (f". {clean(p.reason)}" if clean(p.reason) else "")


@says(NoteAdded)
def _note(p: NoteAdded, _n: OrgNames) -> str:
    return f"Note: {clean(p.text)}"


@says(LessonsSubmitted)
def _lessons(p: LessonsSubmitted, n: OrgNames) -> str:
    return (
        f"Lessons learned submitted for {n(clean(p.organisation))}, with "
        f"{len(p.recommendations or ())} recommendation(s)"
    )


@says(LessonsCollectionClosed)
def _lessons_closed(_p: LessonsCollectionClosed, _n: OrgNames) -> str:
    return "Lessons-learned collection closed"


@says(SlackTeamLearnt)
def _team_learnt(p: SlackTeamLearnt, _n: OrgNames) -> str:
    return (
        f"The council's contact accepted the Slack Connect invitation from Slack workspace "
        f"{clean(p.team_id)}, put to MHCLG to confirm"
    )


@says(SlackTeamConfirmed)
def _team_confirmed(p: SlackTeamConfirmed, _n: OrgNames) -> str:
    return f"MHCLG confirmed Slack workspace {clean(p.team_id)} as the council's"


@says(SlackTeamRejected)
def _team_rejected(p: SlackTeamRejected, _n: OrgNames) -> str:
    return f"MHCLG said Slack workspace {clean(p.team_id)} is not the council's"


@says(SlackTeamNotLearnt)
def _team_not_learnt(p: SlackTeamNotLearnt, _n: OrgNames) -> str:
    return f"Slack workspace {clean(p.team_id)} not taken as the council's: {clean(p.reason)}"


@says(ReportGenerated)
def _generated(p: ReportGenerated, _n: OrgNames) -> str:
    return (
        f"Post-incident report version {clean(p.version)} generated "
        f"(SHA-256 {clean(p.sha256)[:16]}...)"
    )


@says(ReportShared)
def _shared(p: ReportShared, names: OrgNames) -> str:
    version = f" version {clean(p.version)}" if clean(p.version) else ""
    kind = f" ({format_name(clean(p.format))})" if clean(p.format) else ""
    to = f" ({clean(p.to)})" if clean(p.to) else ""
    sentence = (
        f"Report{version}{kind} shared with {names.recipient(clean(p.recipient))}{to} by "
        f"{share_route(clean(p.route))}"
    )
    if clean(p.sha256):
        sentence += f"; SHA-256 {clean(p.sha256)[:16]}..."
    if clean(p.notification_id):
        sentence += f"; Notify id {clean(p.notification_id)}"
    sent = p.ok is None or p.ok  # a record that did not say is taken as sent, as it always was
    return sentence + ("" if sent else f" FAILED: {clean(p.error) or 'not sent'}")


@says(ReportDeliveryChecked)
def _checked(p: ReportDeliveryChecked, names: OrgNames) -> str:
    outcome = {
        "delivered": "delivered",
        "failed": f"NOT delivered ({clean(p.detail)})",
    }.get(clean(p.state), f"not confirmed ({clean(p.detail) or 'no answer'})")
    return (
        f"GOV.UK Notify: the report's email to {names.recipient(clean(p.recipient))} "
        f"({clean(p.to)}) {outcome}"
    )


@says(ActivationEmailSent)
def _activation_email(p: ActivationEmailSent, _n: OrgNames) -> str:
    sent = " sent" if p.ok else f" NOT sent: {clean(p.error) or 'unknown error'}"
    return f"Activation email to the council ({clean(p.to)})" + sent


@says(IcoReminderSent)
def _ico_reminder(p: IcoReminderSent, _n: OrgNames) -> str:
    return (
        f"ICO reminder sent, {clean(p.hours)} hours after the council became aware"
        f" (ICO deadline {format_time(parse_time(p.ico_deadline))})"
    )


@says(ActionRefused)
def _refused(p: ActionRefused, _n: OrgNames) -> str:
    return f"Refused: not allowed to {words(clean(p.action))}"
