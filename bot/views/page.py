"""What the bot says when it reaches people on its own: the page to a provider, the reminder
before the contact deadline, the escalation after it, the activation email to the council, and
the assessors' review and information reminders.

Times are given as clock times in UTC and in London time, because a deadline read at 02:00 by
someone half awake must not need arithmetic. Anything a person typed goes in a `Fact` marked
`user_text`, never in `text` or `title`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.incident import Incident
from bot.domain.uk_time import clock_time
from bot.policy.model import Council, Provider
from bot.ports.chat import OutboundMessage
from bot.views.actions import Action, Style
from bot.views.card import Button, Fact, build_card


def _place(incident: Incident, council: Council | None) -> str:
    return f"{incident.reference} · {council.name if council else incident.council_id}"


def _names(providers: Sequence[Provider]) -> str:
    return " and ".join(p.name for p in providers)


def contact_buttons(incident: Incident) -> tuple[Button, ...]:
    return (
        Button(Action.ACKNOWLEDGE_PAGE, "Acknowledge", incident.id, Style.PRIMARY),
        Button(Action.CONTACT_MADE, "Contact made", incident.id),
    )


def page_message(
    incident: Incident,
    council: Council | None,
    provider: Provider,
    providers: Sequence[Provider],
    deadline_at: datetime,
) -> OutboundMessage:
    text = (
        f"MHCLG has activated Cyber Incident Response and assigned {provider.name}. "
        f"Contact the council by {clock_time(deadline_at)}. Press Acknowledge now, and "
        "Contact made once you have spoken to the council (you can give an earlier time)."
    )
    facts = list(build_card(incident, council).facts)
    others = [p for p in providers if p.id != provider.id]
    if others:
        facts.append(Fact("Also assigned", _names(others)))
    facts.append(Fact("Contact deadline", clock_time(deadline_at)))
    return OutboundMessage(
        text=text,
        title=f"CIR activation: {_place(incident, council)}",
        marking=incident.marking.value,
        facts=tuple(facts),
        buttons=contact_buttons(incident),
        urgent=True,
    )


def reminder_message(
    incident: Incident, council: Council | None, provider_name: str, deadline_at: datetime
) -> OutboundMessage:
    return OutboundMessage(
        text=(
            f"Reminder: {provider_name} has not recorded contact with the council yet. "
            f"The contact deadline is {clock_time(deadline_at)}; at that time MHCLG's duty "
            "manager and your escalation contact are alerted."
        ),
        title=f"Contact due: {_place(incident, council)}",
        marking=incident.marking.value,
        buttons=contact_buttons(incident),
        urgent=True,
    )


def escalation_text(
    incident: Incident,
    council: Council | None,
    providers: Sequence[Provider],
    deadline_at: datetime,
    level: int,
    now: datetime,
) -> str:
    late = max(int((now - deadline_at).total_seconds() // 60), 0)
    passed = "has just passed" if late == 0 else f"passed {late} minutes ago"
    return (
        f"Escalation level {level}: {_names(providers) or 'The provider'} has not recorded "
        f"contact with {council.name if council else incident.council_id} for "
        f"{incident.reference}. The contact deadline, {clock_time(deadline_at)}, {passed}."
    )


def escalation_message(
    incident: Incident,
    council: Council | None,
    providers: Sequence[Provider],
    deadline_at: datetime,
    level: int,
    now: datetime,
    *,
    with_buttons: bool = False,
) -> OutboundMessage:
    return OutboundMessage(
        text=escalation_text(incident, council, providers, deadline_at, level, now)
        + " Please chase the provider now.",
        title=f"Contact deadline missed: {_place(incident, council)}",
        marking=incident.marking.value,
        buttons=contact_buttons(incident) if with_buttons else (),
        urgent=True,
    )


def escalation_sms(text: str, incident: Incident) -> str:
    return f"[{incident.marking.value}] CIR {text} See the incident channel."


def escalation_email(text: str, incident: Incident) -> tuple[str, str]:
    subject = f"[{incident.marking.value}] {incident.reference}: provider contact deadline missed"
    body = (
        f"{text}\n\nPlease chase the provider and record what you did in the incident "
        "channel. Further escalations follow every 15 minutes until contact is recorded.\n\n"
        "Sent by the CIR bot for MHCLG's Cyber Incident Response service."
    )
    return subject, body


def activation_email(
    incident: Incident,
    council: Council | None,
    providers: Sequence[Provider],
    deadline_at: datetime,
) -> tuple[str, str]:
    name = council.name if council else incident.council_id
    subject = f"[{incident.marking.value}] {incident.reference}: Cyber Incident Response activated"
    body = (
        f"Dear {name},\n\n"
        f"MHCLG has activated Cyber Incident Response support for incident "
        f"{incident.reference}. The assigned provider is {_names(providers)}.\n\n"
        "What happens next:\n"
        f"- {_names(providers)} will contact you by {clock_time(deadline_at)}, using the "
        "contact details you gave MHCLG (not your own systems, in case they are compromised).\n"
        "- Containment and eradication are funded by MHCLG. Recovery is optional and funded by "
        "the council.\n"
        "- The provider records in MHCLG's system when it has contacted you. If it has not "
        "recorded contact by then, MHCLG's duty manager is alerted automatically and asked to "
        "chase the provider. If nobody has contacted you by then, tell MHCLG's CIR team, "
        f"quoting {incident.reference}.\n"
        "- Please also consider the ICO (within 72 hours of a personal data breach), Action "
        "Fraud / the NCA (0300 123 2040) and your regional WARP.\n\n"
        f"Please quote {incident.reference} in any correspondence.\n\n"
        "MHCLG Cyber Incident Response"
    )
    return subject, body


def interval(every: timedelta) -> str:
    """'24 hours', '90 minutes', '2 days': how often, in words."""
    minutes = int(every.total_seconds() // 60)
    if minutes >= 48 * 60 and minutes % (24 * 60) == 0:
        n, unit = minutes // (24 * 60), "day"
    elif minutes % 60 == 0:
        n, unit = minutes // 60, "hour"
    else:
        n, unit = minutes, "minute"
    return f"{n} {unit}{'' if n == 1 else 's'}"


def review_reminder(
    incident: Incident, council: Council | None, every: timedelta | None = None
) -> OutboundMessage:
    again = (
        f" This reminder repeats every {interval(every)} until it is re-assessed or its "
        "monitoring is ended."
        if every
        else ""
    )
    return OutboundMessage(
        text=(
            f"{incident.reference} has been monitored below the threshold since the last "
            "decision and is due for review. Re-assess it if circumstances have changed, or "
            f"close it with a reason if monitoring is no longer needed.{again}"
        ),
        title=f"Monitoring review due: {_place(incident, council)}",
        marking=incident.marking.value,
        buttons=(
            Button(Action.REASSESS, "Re-assess", incident.id, Style.PRIMARY),
            Button(Action.CLOSE_MONITORING, "Close (monitoring ended)", incident.id),
        ),
    )


def info_reminder(
    incident: Incident, council: Council | None, missing: str, asked_at: datetime | None
) -> OutboundMessage:
    asked = f" at {clock_time(asked_at)}" if asked_at else ""
    return OutboundMessage(
        text=(
            f"More information was requested{asked} to finish the threshold check of "
            f"{incident.reference}. Chase the council, then submit the answers again."
        ),
        title=f"More information due: {_place(incident, council)}",
        marking=incident.marking.value,
        facts=(Fact("What is missing", missing or "not stated", user_text=True),),
    )
