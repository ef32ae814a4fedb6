"""The forms that end an incident before activation (close monitoring, decline CIR support) and
the announcement that follows, in the incident channel and the triage channel."""

from __future__ import annotations

from typing import Any

from bot.domain.incident import Incident
from bot.policy.model import Council
from bot.usecases.checklist import ChecklistView
from bot.usecases.ending import Ended, Ending
from bot.views import ending as words
from bot.views.actions import Form
from handlers.slack.escape import user_text
from handlers.slack.render.budget import quote, text_sections
from handlers.slack.render.common import Block, announcement
from handlers.slack.render.response import modal, text_input

REASON = "reason"  # the reason's block id: the use case names its field error the same
FORMS = {Ending.MONITORING_ENDED: Form.CLOSE_MONITORING, Ending.DECLINED: Form.DECLINE_SUPPORT}
ENDINGS = {form: ending for ending, form in FORMS.items()}


def ending_modal(
    incident: Incident,
    ending: Ending,
    view: ChecklistView,
    council: Council | None,
    meta: dict[str, Any],
) -> Block:
    intro = user_text(words.form_intro(incident, ending, view, council), limit=20_000)
    return modal(
        FORMS[ending],
        words.TITLES[ending],
        words.SUBMIT[ending],
        meta,
        [
            *text_sections(intro, max_blocks=8),
            text_input(REASON, words.REASON_LABELS[ending], hint=words.REASON_HINTS[ending]),
        ],
    )


def ended_message(
    result: Ended, actor_name: str, council: Council | None
) -> tuple[str, list[Block]]:
    """The same message for the incident channel (the council reads its obligations there) and
    the triage channel (MHCLG is told)."""
    text = words.ended_text(result, actor_name, council)
    body = (
        f"*{user_text(text)}*\n*Reason:*\n{quote(user_text(result.reason))}\n"
        f"{user_text(words.ended_after(result))}"
    )
    if result.ending is Ending.DECLINED:
        lines = words.obligation_lines(result.checklist, council)
        body += "\n" + "\n".join(f"• {user_text(line)}" for line in lines)
    return user_text(text), announcement(result.incident.marking.value, body)
