"""IncidentCard → Block Kit."""

from __future__ import annotations

from bot.views.card import IncidentCard
from handlers.slack.escape import user_text
from handlers.slack.render.common import Block, button, marking_context, mrkdwn, plain, slack_time


def card_blocks(card: IncidentCard) -> list[Block]:
    blocks: list[Block] = [
        marking_context(card.marking),
        {"type": "header", "text": plain(card.title)},
        {"type": "section", "text": mrkdwn(f"*State:* {card.state}")},
    ]
    fields = []
    for fact in card.facts:
        value = user_text(fact.value, 1900)  # config text is escaped too: it is editable
        fields.append(mrkdwn(f"*{fact.label}*\n{value or '—'}"))
    for start in range(0, len(fields), 10):  # Slack allows 10 fields per section
        blocks.append({"type": "section", "fields": fields[start : start + 10]})
    for section in card.sections:
        lines = "\n".join(f"• {user_text(line)}" for line in section.lines)
        blocks.append({"type": "section", "text": mrkdwn(f"*{section.title}*\n{lines}")})
    if card.deadlines:
        lines = "\n".join(f"• {label}: {slack_time(due)}" for label, due in card.deadlines)
        blocks.append({"type": "section", "text": mrkdwn(f"*Next deadlines*\n{lines}")})
    if card.invites:
        lines = "\n".join(f"• {user_text(email)}: {status}" for email, status in card.invites)
        blocks.append({"type": "section", "text": mrkdwn(f"*Slack Connect invitations*\n{lines}")})
    if card.channel_id:  # a real link: <#C…> renders as the channel's name for members
        note = f"Incident channel: <#{card.channel_id}>"
        blocks.append({"type": "context", "elements": [mrkdwn(note)]})
    elif card.channel_note:
        blocks.append({"type": "context", "elements": [mrkdwn(user_text(card.channel_note))]})
    if card.buttons:
        blocks.append(
            {
                "type": "actions",
                "block_id": "card_actions",
                "elements": [button(b) for b in card.buttons],
            }
        )
    return blocks


def card_fallback(card: IncidentCard) -> str:
    return f"[{card.marking}] {card.title}: {card.state}"
