"""The "Report a cyber incident" modal."""

from __future__ import annotations

import functools
import json
from typing import Any

from bot.usecases.validation import LIMITS
from bot.views.actions import Form
from handlers.slack.ids import INPUT_ACTION, ReferralInput
from handlers.slack.render.common import Block, plain

BODIES = [
    ("ncsc", "NCSC"),
    ("ico", "ICO"),
    ("action_fraud", "Action Fraud / NCA"),
    ("warp", "Regional WARP"),
]
YES_NO_UNKNOWN = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known yet")]


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, 75), "value": value}


def _input(
    block: ReferralInput,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str = "",
) -> Block:
    element["action_id"] = INPUT_ACTION
    result: Block = {
        "type": "input",
        "block_id": block.value,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        result["hint"] = plain(hint)
    return result


def _text(
    block: ReferralInput, *, multiline: bool = False, placeholder: str = ""
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": multiline,
        "max_length": LIMITS[block.value],
    }
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return element


def referral_modal(nonce: str, origin_channel: str = "") -> dict[str, Any]:
    """Only the metadata differs from one form to the next; the blocks are built once per
    process (the form opens on the hot path of `/cir report`) and shared read-only."""
    return {
        "type": "modal",
        "callback_id": Form.REFERRAL.value,
        "title": plain("Report a cyber incident", 24),
        "submit": plain("Log referral"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"nonce": nonce, "origin": origin_channel}),
        "blocks": _referral_blocks(),
    }


@functools.cache
def _referral_blocks() -> list[Block]:
    return [
        _input(
            ReferralInput.COUNCIL,
            "Council",
            {
                "type": "external_select",
                "min_query_length": 0,
                "placeholder": plain("Type to search the register"),
            },
        ),
        _input(
            ReferralInput.NCSC_REFERENCE,
            "NCSC reference",
            _text(ReferralInput.NCSC_REFERENCE),
            optional=True,
        ),
        _input(
            ReferralInput.DESCRIPTION,
            "What happened",
            _text(ReferralInput.DESCRIPTION, multiline=True),
        ),
        _input(ReferralInput.DETECTED_AT, "When was it detected?", {"type": "datetimepicker"}),
        _input(
            ReferralInput.SERVICES,
            "Services affected",
            _text(ReferralInput.SERVICES, multiline=True),
        ),
        _input(
            ReferralInput.ATTACKER_ACTIVE,
            "Is the attacker still active?",
            {"type": "radio_buttons", "options": [_option(v, t) for v, t in YES_NO_UNKNOWN]},
        ),
        _input(
            ReferralInput.PERSONAL_DATA,
            "Is personal data affected?",
            {"type": "radio_buttons", "options": [_option(v, t) for v, t in YES_NO_UNKNOWN]},
            hint="Yes or not known marks the incident OFFICIAL-SENSITIVE.",
        ),
        _input(
            ReferralInput.CONTACT_NAME,
            "Council contact name",
            _text(ReferralInput.CONTACT_NAME),
            hint="Someone reachable on a system the attacker does not control.",
        ),
        _input(
            ReferralInput.CONTACT_EMAIL,
            "Contact email (uncompromised system)",
            _text(ReferralInput.CONTACT_EMAIL, placeholder="e.g. a personal or partner mailbox"),
        ),
        _input(ReferralInput.CONTACT_PHONE, "Contact phone", _text(ReferralInput.CONTACT_PHONE)),
        _input(
            ReferralInput.BODIES_TOLD,
            "Who has been told already?",
            {"type": "checkboxes", "options": [_option(v, t) for v, t in BODIES]},
            optional=True,
        ),
    ]
