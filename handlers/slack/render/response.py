"""The response forms (phase, status update, notifications checklist) and the messages that
announce their outcome in the incident channel."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from bot.domain.incident import Incident
from bot.domain.states import State
from bot.usecases.checklist import ChecklistView
from bot.usecases.phases import PhaseChanged
from bot.usecases.validation import LIMITS
from bot.views.actions import Form
from bot.views.card_sections import checklist_lines
from handlers.slack.escape import user_text
from handlers.slack.ids import INPUT_ACTION
from handlers.slack.render.budget import VIEW_BLOCKS, quote, text_sections
from handlers.slack.render.common import Block, announced, announcement, plain

DEFAULT_LIMIT = 3000  # FieldErrors' limit for any field LIMITS does not name


class PhaseInput(StrEnum):
    TARGET = "target"
    SUMMARY = "summary"


class UpdateInput(StrEnum):
    WHAT_CHANGED = "what_changed"
    IMPACT = "impact"
    NEXT_STEPS = "next_steps"
    PERSONAL_DATA = "personal_data"


PERSONAL_DATA_INVOLVED = "involved"  # the checkbox's value


class ChecklistInput(StrEnum):
    ITEM = "item"
    STATUS = "status"
    REFERENCE = "reference"
    REASON = "reason"
    DONE_AT = "done_at"


STATUS_LABELS = {"done": "Done", "not_needed": "Not needed", "outstanding": "Outstanding"}


def text_input(
    block_id: str, label: str, *, multiline: bool = True, optional: bool = False, hint: str = ""
) -> Block:
    """A text input whose max_length is the limit the use case enforces (the server check
    stays the real one: a client can send anything)."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "optional": optional,
        "element": {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": multiline,
            "max_length": LIMITS.get(block_id, DEFAULT_LIMIT),
        },
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def _select(block_id: str, label: str, options: list[tuple[str, str]], kind: str) -> Block:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {
            "type": kind,
            "action_id": INPUT_ACTION,
            "options": [{"text": plain(text, 75), "value": value} for value, text in options],
        },
    }


def modal(form: Form, title: str, submit: str, meta: dict[str, Any], blocks: list[Block]) -> Block:
    return {
        "type": "modal",
        "callback_id": form.value,
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps(meta),
        "blocks": blocks,
    }


def _intro(text: str) -> list[Block]:
    """A form's opening text: several sections if need be (a modal allows 100 blocks)."""
    return text_sections(text, max_blocks=VIEW_BLOCKS // 10)


def phase_modal(incident: Incident, targets: list[State], meta: dict[str, Any]) -> Block:
    options = [(s.value, s.label) for s in targets]
    return modal(
        Form.PHASE,
        "Change phase",
        "Change phase",
        meta,
        [
            *_intro(f"*{incident.reference}* is in *{incident.state.label}*."),
            _select(PhaseInput.TARGET, "Move to", options, "static_select"),
            text_input(
                PhaseInput.SUMMARY,
                "Summary of what was done",
                hint="On the record, and in the report's actions taken.",
            ),
        ],
    )


def status_update_modal(incident: Incident, meta: dict[str, Any]) -> Block:
    return modal(
        Form.STATUS_UPDATE,
        "Status update",
        "Post update",
        meta,
        [
            *_intro(f"Status update on *{incident.reference}* ({incident.state.label})."),
            text_input(UpdateInput.WHAT_CHANGED, "What changed"),
            text_input(UpdateInput.IMPACT, "Current impact"),
            text_input(UpdateInput.NEXT_STEPS, "Next steps"),
            {
                "type": "input",
                "block_id": UpdateInput.PERSONAL_DATA.value,
                "label": plain("Personal data"),
                "optional": True,
                "hint": plain(
                    "Tick if personal data has been found to be encrypted, accessed or taken: "
                    "the incident is then marked OFFICIAL-SENSITIVE and the council is reminded "
                    "of the ICO's 72 hours.",
                    2000,
                ),
                "element": {
                    "type": "checkboxes",
                    "action_id": INPUT_ACTION,
                    "options": [
                        {
                            "text": plain("Personal data is involved", 75),
                            "value": PERSONAL_DATA_INVOLVED,
                        }
                    ],
                },
            },
        ],
    )


def checklist_modal(incident: Incident, view: ChecklistView, meta: dict[str, Any]) -> Block:
    now = "\n".join(f"• {user_text(line)}" for line in checklist_lines(view))
    items = [(row.item.value, row.label) for row in view.rows]
    statuses = [(value, label) for value, label in STATUS_LABELS.items()]
    return modal(
        Form.CHECKLIST,
        "Notifications",
        "Record",
        meta,
        [
            *_intro(f"*{incident.reference}*: who the council has told.\n{now}"),
            _select(ChecklistInput.ITEM, "Which body", items, "static_select"),
            _select(ChecklistInput.STATUS, "Status", statuses, "radio_buttons"),
            text_input(
                ChecklistInput.REFERENCE,
                "Reference they gave",
                multiline=False,
                optional=True,
                hint="Needed for the ICO and Action Fraud when done.",
            ),
            text_input(
                ChecklistInput.REASON,
                "Why it is not needed",
                optional=True,
                hint="If not needed. The NCSC is always told.",
            ),
            {
                "type": "input",
                "block_id": ChecklistInput.DONE_AT.value,
                "label": plain("When they were told (default: now)"),
                "optional": True,
                "element": {"type": "datetimepicker", "action_id": INPUT_ACTION},
            },
        ],
    )


def phase_changed_message(
    result: PhaseChanged, actor_name: str, summary: str
) -> tuple[str, list[Block]]:
    incident = result.incident
    text = (
        f"{incident.reference} moved from {result.previous.label} to {incident.state.label} "
        f"by {actor_name}."
    )
    body = f"*{user_text(text)}*\n{quote(user_text(summary))}"
    return user_text(text), announcement(incident.marking.value, body)


def recovery_opt_in_message(incident: Incident, actor_name: str) -> tuple[str, list[Block]]:
    text = (
        f"{incident.reference}: {actor_name} recorded the council's opt-in to recovery "
        "(council-funded). The provider or MHCLG can now move it to recovery."
    )
    return announced(incident.marking.value, text)


def checklist_message(
    incident: Incident, view: ChecklistView, item: str, actor_name: str
) -> tuple[str, list[Block]]:
    label = next((r.label for r in view.rows if r.item.value == item), item)
    text = f"{incident.reference}: notifications checklist updated by {actor_name} ({label})."
    lines = "\n".join(f"• {user_text(line)}" for line in checklist_lines(view))
    outstanding = [r.label for r in view.rows if r.status.value == "outstanding"]
    still = ", ".join(outstanding) if outstanding else "nothing: every body is done or not needed"
    body = f"*{user_text(text)}*\n{lines}\n*Outstanding:* {user_text(still)}"
    return user_text(text), announcement(incident.marking.value, body)
