"""IncidentCard → Block Kit.

The card is edited in place at every change, so a card Slack refused would stay frozen for the
rest of the incident: every text here goes through the budget, whatever people typed."""

from __future__ import annotations

from bot.views.card import IncidentCard
from handlers.slack.escape import escape, user_text
from handlers.slack.render.budget import (
    CONTEXT_TEXT,
    cut,
    fallback,
    field_sections,
    field_text,
    text_sections,
    unique_action_ids,
)
from handlers.slack.render.common import Block, button, marking_context, mrkdwn, plain, slack_time


def card_blocks(card: IncidentCard) -> list[Block]:
    blocks: list[Block] = [
        marking_context(card.marking),
        {"type": "header", "text": plain(card.title)},
        {"type": "section", "text": mrkdwn(f"*State:* {card.state}")},
    ]
    # config text is escaped too: it is editable
    fields = [field_text(fact.label, user_text(fact.value) or "—") for fact in card.facts]
    blocks += field_sections(fields)
    for section in card.sections:
        lines = "\n".join(f"• {user_text(line)}" for line in section.lines)
        blocks += text_sections(f"*{section.title}*\n{lines}")
    if card.deadlines:
        lines = "\n".join(f"• {label}: {slack_time(due)}" for label, due in card.deadlines)
        blocks += text_sections(f"*Next deadlines*\n{lines}")
    if card.invites:
        lines = "\n".join(f"• {user_text(email)}: {status}" for email, status in card.invites)
        blocks += text_sections(f"*Slack Connect invitations*\n{lines}")
    if card.channel_id:  # a real link: <#C…> renders as the channel's name for members
        note = f"Incident channel: <#{card.channel_id}>"
        blocks.append({"type": "context", "elements": [mrkdwn(note)]})
    elif card.channel_note:
        note = cut(user_text(card.channel_note), CONTEXT_TEXT)
        blocks.append({"type": "context", "elements": [mrkdwn(note)]})
    if card.buttons:
        elements = unique_action_ids([button(b) for b in card.buttons])
        blocks.append({"type": "actions", "block_id": "card_actions", "elements": elements})
    return blocks


def card_fallback(card: IncidentCard) -> str:
    return fallback(escape(f"[{card.marking}] {card.title}: {card.state}"))
