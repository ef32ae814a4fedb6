"""Every button and form the bot shows, named once. Slack uses these as action and callback
ids, Teams as the `action` field of Action.Submit data, so both edges dispatch on the same names."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    START_THRESHOLD_CHECK = "start_threshold_check"
    CONFIRM_ACTIVATION = "confirm_activation"
    RETRY_CHANNEL = "retry_channel"
    REASSESS = "reassess"
    ACKNOWLEDGE_PAGE = "acknowledge_page"
    CONTACT_MADE = "contact_made"
    OPEN_INCIDENT_CHANNEL = "open_incident_channel"


class Form(StrEnum):
    REFERRAL = "referral_form"
    QUESTIONNAIRE = "questionnaire_form"
    DECISION = "decision_form"


class Style(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"
