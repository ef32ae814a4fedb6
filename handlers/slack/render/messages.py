"""Short messages the bot posts: decisions, refusals, help."""

from __future__ import annotations

from bot.domain.assessment import Decision
from bot.domain.incident import Incident
from bot.usecases.threshold import DecisionResult
from bot.views.actions import Action, Style
from bot.views.card import Button
from handlers.slack.escape import user_text
from handlers.slack.render.budget import quote, text_sections
from handlers.slack.render.common import Block, button, mrkdwn


def decision_blocks(
    result: DecisionResult, actor_name: str, guidance: str
) -> tuple[str, list[Block]]:
    ref = result.incident.reference
    rationale = user_text(result.assessment.rationale)
    who = user_text(actor_name)
    if result.awaiting_confirmation:
        text = f"{ref}: {who} proposes to activate CIR support. A second assessor must confirm."
        confirm = Button(
            Action.CONFIRM_ACTIVATION, "Confirm activation", result.assessment.id, Style.PRIMARY
        )
        blocks: list[Block] = [
            *text_sections(f"*{text}*\n{quote(rationale)}"),
            {"type": "actions", "block_id": "confirm", "elements": [button(confirm)]},
        ]
        return text, blocks
    text = f"{ref}: threshold decision by {who}: {result.decision.label}."
    blocks = text_sections(f"*{text}*\n{quote(rationale)}")
    if result.decision is Decision.MONITOR:
        blocks += text_sections(f"*Guidance for the council*\n{user_text(guidance)}")
    if result.decision is Decision.ACTIVATE:
        blocks.append(
            {
                "type": "context",
                "elements": [mrkdwn("Next: the Memorandum of Understanding, then activation.")],
            }
        )
    return text, blocks


def note_posted_message(incident: Incident, actor_name: str, text: str) -> tuple[str, list[Block]]:
    """A `/cir note` echoed in the channel, since nobody else saw the command."""
    posted = f"Timeline note from {user_text(actor_name)}:\n{quote(user_text(text.strip()))}"
    return f"Timeline note on {incident.reference}", text_sections(posted)
