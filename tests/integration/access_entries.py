"""Every entry point the bot offers in Slack, as a table: what request it is, the stage its
incident must be at, who may use it, and what using it does. The access matrix sends each one
as every kind of person."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.policy.load import load_policy
from handlers.slack.identity import UNCONFIRMED
from handlers.slack.ids import Shortcut
from sandbox.slack import signed_requests as sr
from tests.integration.access_env import (
    DETECTED,
    NOW,
    RANSOMWARE,
    Person,
    Persona,
    Stage,
    Target,
)
from tests.integration.slack_harness import referral_values

MHCLG_TEAM = "T0MHCLG"  # the installing workspace: every request names it, whoever sends it
P = Persona
EVERYONE = frozenset(Persona)
TEAM = frozenset({P.MHCLG})
RESPONDERS = frozenset({P.MHCLG, P.PROVIDER})
PARTICIPANTS = frozenset({P.MHCLG, P.PROVIDER, P.COUNCIL})
QUESTIONS = load_policy(DEFAULT_CONFIG_DIR).questionnaire.questions


@dataclass
class Outcome:
    """What one cell's request did, for the entry's check."""

    before: dict[str, Any]
    after: dict[str, Any]
    response: str
    told: list[str]  # ephemerals and direct messages to the sender, and the HTTP answer
    opened: list[str]  # callback ids of the views opened
    published: list[str]  # App Home views published, as JSON

    def new_events(self) -> list[str]:
        return [kind for kind, _ in self.after["events"][len(self.before["events"]) :]]


Request = Callable[[Person, Target], str]
Effect = Callable[[Outcome], bool]


@dataclass(frozen=True)
class Entry:
    name: str
    stage: Stage
    allowed: frozenset[Persona]
    request: Request
    effect: Effect
    tells_refusal: bool = field(default=True)  # an options request or App Home can only be empty


def opens(callback_id: str) -> Effect:
    return lambda o: callback_id in o.opened


def records(kind: str) -> Effect:
    return lambda o: kind in o.new_events()


def told(words: str) -> Effect:
    return lambda o: any(words in t for t in o.told)


REFUSALS = ("not found, or it is not yours", UNCONFIRMED, "Only ", " are for ", " is for ")


def is_refusal(text: str) -> bool:
    return any(words in text for words in REFUSALS)


def not_refused(o: Outcome) -> bool:
    return not any(is_refusal(t) for t in o.told)


# --- requests -----------------------------------------------------------------------------------


def slash(text: Callable[[Target], str]) -> Request:
    return lambda p, t: sr.slash_command(
        text=text(t), user_id=p.user, team_id=MHCLG_TEAM, channel_id=t.channel
    )


def button(action: str, value: Callable[[Target], str] = lambda t: t.incident_id) -> Request:
    return lambda p, t: sr.block_actions(
        action,
        value=value(t),
        user_id=p.user,
        team_id=MHCLG_TEAM,
        user_team_id=p.team,
        channel_id=t.channel,
    )


def _element(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return {"value": value}
    return {"value": {"type": "plain_text_input", "value": value}}


def form(
    callback_id: str,
    values: Callable[[Target], dict[str, Any]],
    meta: Callable[[Target], dict[str, Any]] = lambda t: {"incident_id": t.incident_id},
) -> Request:
    def request(p: Person, t: Target) -> str:
        state = {block: _element(v) for block, v in values(t).items()}
        return sr.view_submission(
            callback_id, state, user_id=p.user, team_id=p.team, private_metadata=json.dumps(meta(t))
        )

    return request


def radio(value: str) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


def select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def in_channel(t: Target) -> dict[str, Any]:
    return {"incident_id": t.incident_id, "channel": t.channel, "nonce": uuid.uuid4().hex}


def answers(t: Target) -> dict[str, Any]:
    multiple = {q.id for q in QUESTIONS if q.multiple}
    return {
        q: {"type": "multi_static_select", "selected_options": [{"value": v} for v in picked]}
        if q in multiple
        else select(picked[0])
        for q, picked in RANSOMWARE.items()
    }


def referral_form(p: Person, t: Target) -> str:
    detected = {"type": "datetimepicker", "selected_date_time": int(DETECTED.timestamp())}
    meta = json.dumps({"nonce": uuid.uuid4().hex, "origin": "C0TRIAGE"})
    values = referral_values(detected_at=detected)
    return sr.view_submission("referral_form", values, p.user, p.team, private_metadata=meta)


def options(p: Person, t: Target) -> str:
    return sr._interactive(
        {
            "type": "block_suggestion",
            "user": {"id": p.user, "team_id": p.team},
            "team": {"id": MHCLG_TEAM},
            "api_app_id": sr.API_APP_ID,
            "block_id": "council_id",
            "action_id": "value",
            "value": "",
            "view": {"id": "V1", "callback_id": "referral_form"},
        }
    )


def app_home(p: Person, t: Target) -> str:
    event = {"type": "app_home_opened", "user": p.user, "tab": "home", "channel": "D0HOME"}
    return sr.event_callback(event)


def add_to_timeline(p: Person, t: Target) -> str:
    ts = f"{NOW.timestamp():.6f}".replace(".", "")[:10] + "." + uuid.uuid4().hex[:6]
    return sr.message_action(
        Shortcut.ADD_TO_TIMELINE.value, "Backups restored.", t.channel, ts, p.user, p.team
    )


def lists_incidents(o: Outcome) -> bool:
    return bool(o.published) and "No open incidents" not in o.published[-1]


def has_options(o: Outcome) -> bool:
    return bool(json.loads(o.response or "{}").get("options"))


def reference(t: Target) -> str:
    return t.reference


E = Entry
ENTRIES: tuple[Entry, ...] = (
    # --- /cir subcommands
    E("/cir report", Stage.REFERRAL, TEAM, slash(lambda t: "report"), opens("referral_form")),
    E("/cir assess", Stage.REFERRAL, TEAM, slash(lambda t: f"assess {t.reference}"),
      opens("questionnaire_form")),
    E("/cir retry", Stage.REFERRAL, TEAM, slash(lambda t: f"retry {t.reference}"), not_refused),
    E("/cir duty", Stage.REFERRAL, frozenset({P.MHCLG, P.PROVIDER, P.OTHER_PROVIDER}),
      slash(lambda t: "duty"), told("07700 900100")),
    E("/cir help", Stage.REFERRAL, EVERYONE, slash(lambda t: "help"), told("CIR bot commands")),
    E("/cir mou sent", Stage.AWAITING_MOU, frozenset({P.PROVIDER}),
      slash(lambda t: f"mou sent {t.reference}"), records("MouStatusRecorded")),
    E("/cir override-mou", Stage.AWAITING_MOU, TEAM,
      slash(lambda t: f"override-mou {t.reference}"), opens("override_mou_form")),
    E("/cir activate", Stage.MOU_OVERRIDDEN, TEAM, slash(lambda t: f"activate {t.reference}"),
      opens("activate_form")),
    E("/cir phase", Stage.CONTAINMENT, RESPONDERS, slash(lambda t: f"phase {t.reference}"),
      opens("phase_form")),
    E("/cir update", Stage.CONTAINMENT, RESPONDERS, slash(lambda t: f"update {t.reference}"),
      opens("status_update_form")),
    E("/cir checklist", Stage.CONTAINMENT, PARTICIPANTS,
      slash(lambda t: f"checklist {t.reference}"), opens("checklist_form")),
    E("/cir note", Stage.CONTAINMENT, PARTICIPANTS, slash(lambda t: "note Servers isolated."),
      records("NoteAdded")),
    E("/cir lessons", Stage.CLOSED, PARTICIPANTS, slash(lambda t: f"lessons {t.reference}"),
      opens("lessons_form")),
    # --- buttons
    E("start_threshold_check", Stage.REFERRAL, TEAM, button("start_threshold_check"),
      opens("questionnaire_form")),
    E("reassess", Stage.REFERRAL, TEAM, button("reassess"), opens("questionnaire_form")),
    E("confirm_activation", Stage.PROPOSED, TEAM,
      button("confirm_activation", lambda t: t.assessment_id), records("ActivationConfirmed")),
    E("retry_channel", Stage.REFERRAL, TEAM, button("retry_channel"), not_refused),
    E("mou_sent", Stage.AWAITING_MOU, frozenset({P.PROVIDER}), button("mou_sent"),
      records("MouStatusRecorded")),
    E("mou_signed", Stage.AWAITING_MOU, frozenset({P.PROVIDER, P.COUNCIL}),
      button("mou_signed"), records("MouStatusRecorded")),
    E("override_mou", Stage.AWAITING_MOU, TEAM, button("override_mou"),
      opens("override_mou_form")),
    E("activate", Stage.MOU_OVERRIDDEN, TEAM, button("activate"), opens("activate_form")),
    E("acknowledge_page", Stage.ACTIVATED, frozenset({P.PROVIDER}), button("acknowledge_page"),
      records("PageAcknowledged")),
    E("contact_made", Stage.ACTIVATED, frozenset({P.PROVIDER}), button("contact_made"),
      opens("contact_form")),
    E("change_phase", Stage.CONTAINMENT, RESPONDERS, button("change_phase"),
      opens("phase_form")),
    E("post_update", Stage.CONTAINMENT, RESPONDERS, button("post_update"),
      opens("status_update_form")),
    E("update_checklist", Stage.CONTAINMENT, PARTICIPANTS, button("update_checklist"),
      opens("checklist_form")),
    E("recovery_opt_in", Stage.CONTAINMENT, frozenset({P.COUNCIL}), button("recovery_opt_in"),
      records("RecoveryOptInRecorded")),
    E("give_lessons", Stage.CLOSED, PARTICIPANTS, button("give_lessons"), opens("lessons_form")),
    E("close_lessons", Stage.CLOSED, TEAM, button("close_lessons"),
      records("LessonsCollectionClosed")),
    E("generate_report", Stage.CLOSED, TEAM, button("generate_report"),
      records("ReportGenerated")),
    E("share_report", Stage.REPORTED, TEAM,
      button("share_report", lambda t: f"{t.incident_id}:ncsc"), records("ReportShared")),
    # --- form submissions
    E("referral_form", Stage.REFERRAL, TEAM, referral_form,
      lambda o: o.after["incidents"] == o.before["incidents"] + 1),
    E("questionnaire_form", Stage.THRESHOLD, TEAM, form("questionnaire_form", answers),
      records("ThresholdAssessed")),
    E("decision_form", Stage.THRESHOLD, TEAM,
      form("decision_form", lambda t: {"decision": radio("activate"), "rationale": "C3."},
           lambda t: {"assessment_id": t.assessment_id}),
      records("ActivationProposed")),
    E("override_mou_form", Stage.AWAITING_MOU, TEAM,
      form("override_mou_form", lambda t: {"reason": "Mail is down."}), records("MouOverridden")),
    E("activate_form", Stage.MOU_OVERRIDDEN, TEAM,
      form("activate_form", lambda t: {"provider": radio("kpmg")}), records("ProviderPaged")),
    E("contact_form", Stage.ACTIVATED, frozenset({P.PROVIDER}),
      form("contact_form", lambda t: {
          "contact_at": {"type": "datetimepicker", "selected_date_time": int(NOW.timestamp())},
          "method": radio("phone"), "notes": "Spoke to the CISO."}),
      records("ContactRecorded")),
    E("phase_form", Stage.CONTAINMENT, RESPONDERS,
      form("phase_form", lambda t: {"target": select("eradication"), "summary": "Isolated."},
           in_channel),
      records("StateChanged")),
    E("status_update_form", Stage.CONTAINMENT, RESPONDERS,
      form("status_update_form",
           lambda t: {"what_changed": "A", "impact": "B", "next_steps": "C"}, in_channel),
      records("StatusUpdatePosted")),
    E("checklist_form", Stage.CONTAINMENT, PARTICIPANTS,
      form("checklist_form", lambda t: {"item": select("ico"), "status": select("done"),
                                        "reference": "ICO-123"}, in_channel),
      records("NotificationItemUpdated")),
    E("lessons_form", Stage.CLOSED, PARTICIPANTS,
      form("lessons_form", lambda t: {"what_happened": "Phished."}, in_channel),
      records("LessonsSubmitted")),
    # --- how an incident ends before activation
    E("/cir decline", Stage.REFERRAL, frozenset({P.COUNCIL}),
      slash(lambda t: f"decline {t.reference}"), opens("decline_support_form")),
    E("decline_support", Stage.REFERRAL, frozenset({P.COUNCIL}), button("decline_support"),
      opens("decline_support_form")),
    E("decline_support_form", Stage.REFERRAL, frozenset({P.COUNCIL}),
      form("decline_support_form", lambda t: {"reason": "Our own supplier is helping."},
           in_channel),
      records("StateChanged")),
    E("/cir close-monitoring", Stage.MONITORING, TEAM,
      slash(lambda t: f"close-monitoring {t.reference}"), opens("close_monitoring_form")),
    E("close_monitoring", Stage.MONITORING, TEAM, button("close_monitoring"),
      opens("close_monitoring_form")),
    E("close_monitoring_form", Stage.MONITORING, TEAM,
      form("close_monitoring_form", lambda t: {"reason": "Contained by the council."},
           in_channel),
      records("StateChanged")),
    # --- a council's Slack workspace, learnt from an accepted invitation (none is waiting here:
    # the team hears there is nothing to confirm, everyone else is refused without learning it)
    E("confirm_slack_team", Stage.REFERRAL, TEAM,
      button("confirm_slack_team", lambda t: "slack:T0NOTWAITING"),
      told("is waiting for confirmation")),
    E("reject_slack_team", Stage.REFERRAL, TEAM,
      button("reject_slack_team", lambda t: "slack:T0NOTWAITING"),
      told("is waiting for confirmation")),
    # --- shortcuts, options, events
    E("report_cyber_incident", Stage.REFERRAL, TEAM,
      lambda p, t: sr.shortcut(Shortcut.REPORT_INCIDENT.value, p.user, p.team),
      opens("referral_form")),
    E("add_to_timeline", Stage.CONTAINMENT, PARTICIPANTS, add_to_timeline, records("NoteAdded")),
    E("council register", Stage.REFERRAL, TEAM, options, has_options, tells_refusal=False),
    E("app_home_opened", Stage.CONTAINMENT, PARTICIPANTS, app_home, lists_incidents,
      tells_refusal=False),
)  # fmt: skip
