"""Block and input ids of the Slack forms. Action ids and form callback ids are the core's
`Action` and `Form` enums; these name the inputs inside a form."""

from __future__ import annotations

from enum import StrEnum


class ReferralInput(StrEnum):
    COUNCIL = "council_id"
    NCSC_REFERENCE = "ncsc_reference"
    DESCRIPTION = "description"
    DETECTED_AT = "detected_at"
    SERVICES = "services_affected"
    ATTACKER_ACTIVE = "attacker_active"
    PERSONAL_DATA = "personal_data"
    CONTACT_NAME = "contact_name"
    CONTACT_EMAIL = "contact_email"
    CONTACT_PHONE = "contact_phone"
    BODIES_TOLD = "bodies_told"


class DecisionInput(StrEnum):
    DECISION = "decision"
    RATIONALE = "rationale"
    MISSING = "missing_info"


class Command(StrEnum):
    CIR = "/cir"


class Shortcut(StrEnum):
    REPORT_INCIDENT = "report_cyber_incident"  # global shortcut
    ADD_TO_TIMELINE = "add_to_timeline"  # message shortcut


INPUT_ACTION = "value"  # every input block holds one element with this action id
