"""The MoU override, activation and "contact made" modals, and the lines the bot posts in the
incident channel when each of them succeeds.

Input block ids are the field names the core's `InvalidInput.field_errors` use, so an error
from a use case lands beside the input it is about without any mapping.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.engagement import ContactMethod, Engagement
from bot.domain.incident import Incident, MouStatus
from bot.domain.uk_time import clock_time
from bot.policy.model import Provider
from bot.usecases.activation import ActivationResult
from bot.usecases.contact import ContactResult
from bot.views.actions import Form
from bot.views.card_sections import MOU_LABELS
from handlers.slack.escape import user_text
from handlers.slack.ids import INPUT_ACTION
from handlers.slack.render.common import Block, mrkdwn, plain


class ActivationInput(StrEnum):
    REASON = "reason"
    PROVIDER = "provider"
    CONTACT_AT = "contact_at"
    METHOD = "method"
    NOTES = "notes"


METHOD_LABELS = {
    ContactMethod.PHONE: "Phone",
    ContactMethod.VIDEO: "Video call",
    ContactMethod.ON_SITE: "On site",
    ContactMethod.EMAIL: "Email",
}


def _names(providers: Sequence[Provider]) -> str:
    return " and ".join(p.name for p in providers)


def _minutes(length: timedelta) -> int:
    return int(length.total_seconds() // 60)


def _modal(
    form: Form, title: str, submit: str, incident_id: str, blocks: list[Block]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": form.value,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"incident_id": incident_id}),
        "blocks": blocks,
    }


def _radio(block_id: str, label: str, options: list[tuple[str, str]]) -> Block:
    items = [{"text": plain(text, 75), "value": value} for value, text in options]
    element: dict[str, Any] = {"type": "radio_buttons", "action_id": INPUT_ACTION}
    element["options"] = items
    if items:
        element["initial_option"] = items[0]
    return {"type": "input", "block_id": block_id, "label": plain(label), "element": element}


def _text_input(block_id: str, label: str, *, optional: bool, max_length: int) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "optional": optional,
        "element": {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": True,
            "max_length": max_length,
        },
    }


def override_mou_modal(incident: Incident) -> dict[str, Any]:
    intro = (
        f"*{incident.reference}*: the council has not signed the Memorandum of Understanding "
        f"(MoU {MOU_LABELS[incident.mou_status]}). Override it only when waiting would harm the "
        "council. The override and its reason go on the incident's record."
    )
    blocks = [
        {"type": "section", "text": mrkdwn(intro)},
        _text_input(
            ActivationInput.REASON, "Why activate without it?", optional=False, max_length=2000
        ),
    ]
    return _modal(Form.OVERRIDE_MOU, "Override the MoU", "Record override", incident.id, blocks)


def activate_modal(
    incident: Incident, choices: Sequence[tuple[str, Sequence[Provider]]], deadline: timedelta
) -> dict[str, Any]:
    """`choices` pairs each choice the core accepts ("on_duty", "other", "both") with the
    providers it would send today; a choice that sends nobody is left out by the caller."""
    labels = {
        "on_duty": "On duty today: {}",
        "other": "The other provider: {}",
        "both": "Both (mass event): {}",
    }
    options = [(choice, labels[choice].format(_names(sent))) for choice, sent in choices]
    mou = MOU_LABELS[incident.mou_status]
    if incident.mou_override_reason:
        mou += ", overridden by an assessor"
    intro = (
        f"*{incident.reference}*: activate Cyber Incident Response support.\n"
        f"The provider is paged at once and must contact the council within "
        f"*{_minutes(deadline)} minutes*; the council is told by email. MoU: {mou}."
    )
    blocks = [
        {"type": "section", "text": mrkdwn(intro)},
        _radio(ActivationInput.PROVIDER, "Which provider to send", options),
    ]
    return _modal(Form.ACTIVATE, "Activate CIR", "Activate and page", incident.id, blocks)


def contact_modal(incident: Incident, now: datetime) -> dict[str, Any]:
    intro = (
        f"*{incident.reference}*: when did you reach the council, and how? Give the real time "
        "of contact if it was earlier than now."
    )
    methods = [(m.value, label) for m, label in METHOD_LABELS.items()]
    blocks = [
        {"type": "section", "text": mrkdwn(intro)},
        {
            "type": "input",
            "block_id": ActivationInput.CONTACT_AT.value,
            "label": plain("Contact made at"),
            "element": {
                "type": "datetimepicker",
                "action_id": INPUT_ACTION,
                "initial_date_time": int(now.timestamp()),
            },
        },
        _radio(ActivationInput.METHOD, "How", methods),
        _text_input(ActivationInput.NOTES, "Notes", optional=True, max_length=3000),
    ]
    return _modal(Form.CONTACT, "Contact made", "Record contact", incident.id, blocks)


# --- lines posted in the incident channel, and answers to one person --------------------


def mou_text(incident: Incident, who: str) -> str:
    if incident.mou_status is MouStatus.SIGNED:
        done = "the council has signed the MoU"
    else:
        done = "the MoU has been sent to the council"
    return f"{incident.reference}: {user_text(who)} recorded that {done}."


def override_text(incident: Incident, who: str) -> str:
    reason = user_text(incident.mou_override_reason)
    return f"{incident.reference}: {user_text(who)} overrode the MoU.\n>{reason}"


def activated_text(result: ActivationResult) -> str:
    return (
        f"{result.incident.reference} activated: {_names(result.providers)} paged; contact due "
        f"by {clock_time(result.deadline_at)}."
    )


def activation_recorded_reply(result: ActivationResult) -> str:
    """To the assessor whose form was acknowledged before the activation was stored."""
    return (
        f"{result.incident.reference} is activated: {_names(result.providers)} paged; "
        f"contact is due by {clock_time(result.deadline_at)}."
    )


def activation_not_recorded_text(reason: str, field_errors: Sequence[str] = ()) -> str:
    return _not_recorded(
        "The activation", reason, field_errors, "Open the activate form again to try again."
    )


def acknowledged_text(incident: Incident, engagement: Engagement, provider: str) -> str:
    acknowledged_at = engagement.acknowledged_at or engagement.notified_at
    minutes = _minutes(acknowledged_at - engagement.notified_at)
    who = user_text(engagement.acknowledged_by_name)
    return (
        f"{incident.reference}: {who} ({provider}) acknowledged the page {minutes} min after "
        f"it was sent. Contact is due by {clock_time(engagement.deadline_at)}."
    )


def acknowledged_reply(incident: Incident, engagement: Engagement) -> str:
    return (
        f"Thank you: the page for {incident.reference} is acknowledged. Contact the council by "
        f"{clock_time(engagement.deadline_at)}, then press Contact made."
    )


def contact_text(result: ContactResult, provider: str) -> str:
    e = result.engagement
    assert e.contact_at is not None
    how = METHOD_LABELS.get(ContactMethod(e.contact_method), e.contact_method).lower()
    limit = _minutes(e.deadline_at - e.notified_at)
    verdict = "within" if e.met_deadline else "after"
    return (
        f"{result.incident.reference}: contact made at {clock_time(e.contact_at)} by "
        f"{user_text(e.contact_by_name)} ({provider}, {how}): {verdict} the {limit}-minute "
        "deadline. The incident is now in containment."
    )


def contact_recorded_reply(result: ContactResult) -> str:
    """To the provider whose form was acknowledged before the contact was stored."""
    e = result.engagement
    assert e.contact_at is not None
    return (
        f"Contact with the council for {result.incident.reference} is recorded: "
        f"{clock_time(e.contact_at)}. The incident is now in containment."
    )


def contact_not_recorded_text(reason: str, field_errors: Sequence[str] = ()) -> str:
    return _not_recorded(
        "Contact made", reason, field_errors, "Press Contact made again to record it."
    )


def _not_recorded(what: str, reason: str, field_errors: Sequence[str], again: str) -> str:
    """A form's refusal told after the form has closed: every reason spelled out and, when it
    was only the input, how to try again."""
    if not field_errors:
        return f"{what} was not recorded: {reason}"
    return f"{what} was not recorded: {reason} {' '.join(field_errors)} {again}"


def not_assigned_text(incident: Incident, provider_names: Sequence[str]) -> str:
    names = ", ".join(provider_names) or "none yet"
    return (
        f"Only people from the provider assigned to {incident.reference} ({names}) can record "
        "contact with the council."
    )


def no_contact_text(incident: Incident, engagements: Sequence[Engagement]) -> str:
    """Why "contact made" cannot be pressed now: usually because someone already did."""
    for e in engagements:
        if e.contact_at is not None:
            return (
                f"Contact with the council for {incident.reference} was already recorded at "
                f"{clock_time(e.contact_at)} by {user_text(e.contact_by_name)}; nothing changed."
            )
    return (
        f"{incident.reference} is {incident.state.label.lower()}: contact is recorded only "
        "while the incident is activated and awaiting provider contact."
    )
