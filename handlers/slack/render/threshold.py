"""The threshold check modals: the questionnaire, then the recommendation with the decision."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.assessment import Decision
from bot.domain.threshold import Outcome, Recommendation
from bot.policy.questionnaire import Question, Questionnaire
from bot.usecases.validation import LIMITS
from bot.views.actions import Form
from handlers.slack.escape import user_text
from handlers.slack.ids import INPUT_ACTION, DecisionInput
from handlers.slack.render.budget import CONTEXT_TEXT, cut, text_sections
from handlers.slack.render.common import Block, mrkdwn, plain

OUTCOME_LABELS = {
    Outcome.ACTIVATE: ":rotating_light: Recommend: *activate* CIR support",
    Outcome.MONITOR: ":eyes: Recommend: *monitor* (below threshold)",
    Outcome.NEED_MORE_INFO: ":grey_question: Recommend: *need more information*",
}


def _question_block(q: Question, previous: list[str] | None) -> Block:
    options = [{"text": plain(o.label, 75), "value": o.id} for o in q.options]
    element: dict[str, Any] = {
        "type": "multi_static_select" if q.multiple else "static_select",
        "action_id": INPUT_ACTION,
        "options": options,
        "placeholder": plain("Choose…"),
    }
    chosen = [o for o in options if o["value"] in (previous or [])]
    if chosen:
        if q.multiple:
            element["initial_options"] = chosen
        else:
            element["initial_option"] = chosen[0]
    block: Block = {
        "type": "input",
        "block_id": q.id,
        "label": plain(q.label),
        "element": element,
        "optional": not q.required,
    }
    if q.hint:
        block["hint"] = plain(q.hint)
    return block


def questionnaire_modal(
    questionnaire: Questionnaire,
    incident_id: str,
    reference: str,
    previous: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    blocks: list[Block] = [
        {
            "type": "section",
            "text": mrkdwn(
                f"Threshold check for *{reference}*. The contract activates at NCSC category C3 "
                "and above, or lower where MHCLG sees fit. The bot recommends; you decide."
            ),
        }
    ]
    blocks += [_question_block(q, (previous or {}).get(q.id)) for q in questionnaire.questions]
    return {
        "type": "modal",
        "callback_id": Form.QUESTIONNAIRE.value,
        "title": plain("Threshold check", 24),
        "submit": plain("See recommendation"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"incident_id": incident_id}),
        "blocks": blocks,
    }


def decision_modal(
    assessment_id: str, reference: str, rec: Recommendation, four_eyes: bool
) -> dict[str, Any]:
    reasons = "\n".join(
        f"• *{user_text(r.question)}*: {user_text(r.answer)} — {user_text(r.why)}"
        for r in rec.reasons[:12]
    )
    blocks: list[Block] = [
        {"type": "section", "text": mrkdwn(f"*{reference}*\n{OUTCOME_LABELS[rec.outcome]}")},
        *text_sections(f"*Why*\n{reasons or 'No answer pushed strongly.'}"),
    ]
    if rec.missing:
        missing = cut("Unanswered: " + ", ".join(user_text(m) for m in rec.missing), CONTEXT_TEXT)
        blocks.append({"type": "context", "elements": [mrkdwn(missing)]})
    if four_eyes:
        blocks.append(
            {
                "type": "context",
                "elements": [mrkdwn("An activation needs a second assessor to confirm.")],
            }
        )
    options = [{"text": plain(d.label, 75), "value": d.value} for d in Decision]
    initial = next(o for o in options if o["value"] == rec.outcome.value)
    blocks += [
        {
            "type": "input",
            "block_id": DecisionInput.DECISION.value,
            "label": plain("Your decision"),
            "element": {
                "type": "radio_buttons",
                "action_id": INPUT_ACTION,
                "options": options,
                "initial_option": initial,
            },
        },
        {
            "type": "input",
            "block_id": DecisionInput.RATIONALE.value,
            "label": plain("Rationale (on the record)"),
            "element": {
                "type": "plain_text_input",
                "action_id": INPUT_ACTION,
                "multiline": True,
                "max_length": LIMITS["rationale"],
            },
        },
        {
            "type": "input",
            "block_id": DecisionInput.MISSING.value,
            "label": plain("If more information is needed: what is missing?"),
            "optional": True,
            "element": {
                "type": "plain_text_input",
                "action_id": INPUT_ACTION,
                "multiline": True,
                "max_length": 3000,
            },
        },
    ]
    return {
        "type": "modal",
        "callback_id": Form.DECISION.value,
        "title": plain("Threshold decision", 24),
        "submit": plain("Record decision"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"assessment_id": assessment_id}),
        "blocks": blocks,
    }
