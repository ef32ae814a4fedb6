"""Every button and form the bot shows, named once. Slack uses these as action and callback
ids, Teams as the `action` field of Action.Submit data, so both edges dispatch on the same names."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    START_THRESHOLD_CHECK = "start_threshold_check"
    CONFIRM_ACTIVATION = "confirm_activation"
    RETRY_CHANNEL = "retry_channel"
    REASSESS = "reassess"
    MOU_SENT = "mou_sent"
    MOU_SIGNED = "mou_signed"
    OVERRIDE_MOU = "override_mou"
    ACTIVATE = "activate"
    ACKNOWLEDGE_PAGE = "acknowledge_page"
    CONTACT_MADE = "contact_made"
    CHANGE_PHASE = "change_phase"
    POST_UPDATE = "post_update"
    UPDATE_CHECKLIST = "update_checklist"
    RECOVERY_OPT_IN = "recovery_opt_in"
    ADD_NOTE = "add_note"
    GIVE_LESSONS = "give_lessons"
    CLOSE_LESSONS = "close_lessons"
    GENERATE_REPORT = "generate_report"
    SHARE_REPORT = "share_report"
    OPEN_INCIDENT_CHANNEL = "open_incident_channel"
    CLOSE_MONITORING = "close_monitoring"
    DECLINE_SUPPORT = "decline_support"
    CONFIRM_SLACK_TEAM = "confirm_slack_team"
    REJECT_SLACK_TEAM = "reject_slack_team"


class Form(StrEnum):
    REFERRAL = "referral_form"
    QUESTIONNAIRE = "questionnaire_form"
    DECISION = "decision_form"
    OVERRIDE_MOU = "override_mou_form"
    ACTIVATE = "activate_form"
    CONTACT = "contact_form"
    PHASE = "phase_form"
    STATUS_UPDATE = "status_update_form"
    CHECKLIST = "checklist_form"
    NOTE = "note_form"
    LESSONS = "lessons_form"
    CLOSE_MONITORING = "close_monitoring_form"
    DECLINE_SUPPORT = "decline_support_form"


class Style(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"
