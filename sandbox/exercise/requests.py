"""What Slack sends the bot when a person acts: each a request body for /slack/events, built
with the same signed-request code the tests use (sandbox.slack.signed_requests)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.views.actions import Action, Form
from handlers.slack.ids import INPUT_ACTION, ReferralInput
from sandbox.exercise.cast import MHCLG_TEAM, Person
from sandbox.slack import signed_requests as sr


def _radio(value: str) -> dict[str, Any]:
    return {INPUT_ACTION: {"type": "radio_buttons", "selected_option": {"value": value}}}


def _text(value: str) -> dict[str, Any]:
    return {INPUT_ACTION: {"type": "plain_text_input", "value": value}}


def _yes_no(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else str(value)


def referral(
    person: Person, council_id: str, args: Mapping[str, Any], now: datetime, triage: str,
    contact: Person,
) -> str:  # fmt: skip
    """The referral form, filled in and submitted."""
    detected = int((now - timedelta(hours=1)).timestamp())
    values = {
        ReferralInput.COUNCIL: {
            INPUT_ACTION: {"type": "external_select", "selected_option": {"value": council_id}}
        },
        ReferralInput.NCSC_REFERENCE: _text(str(args.get("ncsc_reference", ""))),
        ReferralInput.DESCRIPTION: _text(str(args.get("what", "A cyber incident."))),
        ReferralInput.DETECTED_AT: {
            INPUT_ACTION: {"type": "datetimepicker", "selected_date_time": detected}
        },
        ReferralInput.SERVICES: _text(str(args.get("services", "Not known yet"))),
        ReferralInput.ATTACKER_ACTIVE: _radio(_yes_no(args.get("attacker_active", "unknown"))),
        ReferralInput.PERSONAL_DATA: _radio(_yes_no(args.get("personal_data", "unknown"))),
        ReferralInput.CONTACT_NAME: _text(contact.name),
        ReferralInput.CONTACT_EMAIL: _text(contact.email),
        ReferralInput.CONTACT_PHONE: _text("07700 900555"),
        ReferralInput.BODIES_TOLD: {
            INPUT_ACTION: {"type": "checkboxes", "selected_options": [{"value": "ncsc"}]}
        },
    }
    meta = json.dumps({"nonce": uuid.uuid4().hex, "origin": triage})
    state = {block.value: element for block, element in values.items()}
    return sr.view_submission(
        Form.REFERRAL.value, state, person.user_id, team_id=person.team_id, private_metadata=meta
    )


def press(
    person: Person, action: Action, value: str, channel: str, trigger_id: str | None = None
) -> str:
    """A button in a channel; in a Slack Connect channel the team is MHCLG's."""
    return sr.block_actions(
        action.value,
        value=value,
        user_id=person.user_id,
        team_id=MHCLG_TEAM,
        user_team_id=person.team_id,
        channel_id=channel,
        trigger_id=trigger_id,
    )


def questionnaire(
    person: Person, incident_id: str, answers: Mapping[str, Any], multiple: set[str]
) -> str:
    state: dict[str, dict[str, Any]] = {}
    for qid, picked in answers.items():
        chosen = [_yes_no(p) for p in (picked if isinstance(picked, list) else [picked])]
        if qid in multiple:
            element: dict[str, Any] = {
                "type": "multi_static_select",
                "selected_options": [{"value": v} for v in chosen],
            }
        else:
            element = {"type": "static_select", "selected_option": {"value": chosen[0]}}
        state[qid] = {INPUT_ACTION: element}
    meta = json.dumps({"incident_id": incident_id})
    return sr.view_submission(
        Form.QUESTIONNAIRE.value, state, person.user_id, person.team_id, private_metadata=meta
    )


def decision(person: Person, assessment_id: str, args: Mapping[str, Any]) -> str:
    values = {
        "decision": _radio(str(args["decision"])),
        "rationale": _text(str(args["rationale"])),
        "missing_info": _text(str(args.get("missing", ""))),
    }
    meta = json.dumps({"assessment_id": assessment_id})
    return sr.view_submission(
        Form.DECISION.value, values, person.user_id, person.team_id, private_metadata=meta
    )


def override_mou(person: Person, incident_id: str, reason: str) -> str:
    meta = json.dumps({"incident_id": incident_id})
    return sr.view_submission(
        Form.OVERRIDE_MOU.value, {"reason": _text(reason)}, person.user_id, person.team_id,
        private_metadata=meta,
    )  # fmt: skip


def activate(person: Person, incident_id: str, choice: str) -> str:
    meta = json.dumps({"incident_id": incident_id})
    return sr.view_submission(
        Form.ACTIVATE.value, {"provider": _radio(choice)}, person.user_id, person.team_id,
        private_metadata=meta,
    )  # fmt: skip


def contact(person: Person, incident_id: str, at: datetime, method: str, notes: str) -> str:
    values = {
        "contact_at": {
            INPUT_ACTION: {"type": "datetimepicker", "selected_date_time": int(at.timestamp())}
        },
        "method": _radio(method),
        "notes": _text(notes),
    }
    meta = json.dumps({"incident_id": incident_id})
    return sr.view_submission(
        Form.CONTACT.value, values, person.user_id, person.team_id, private_metadata=meta
    )
