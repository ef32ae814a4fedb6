"""OutboundMessage (pages, reminders, escalations) → Block Kit.

A page Slack refused would be a page nobody saw: its text and facts are budgeted like every
other message, and its buttons must have distinct ids."""

from __future__ import annotations

from bot.ports.chat import OutboundMessage
from handlers.slack.escape import escape, user_text
from handlers.slack.render.budget import (
    fallback,
    field_sections,
    field_text,
    text_sections,
    unique_action_ids,
)
from handlers.slack.render.common import Block, button, marking_context, plain


def outbound_blocks(message: OutboundMessage) -> list[Block]:
    blocks: list[Block] = [marking_context(message.marking)]
    if message.title:
        title = f":rotating_light: {message.title}" if message.urgent else message.title
        blocks.append({"type": "header", "text": plain(title)})
    blocks += text_sections(escape(message.text))
    blocks += field_sections(
        [field_text(escape(f.label), user_text(f.value) or "—") for f in message.facts]
    )
    if message.buttons:
        elements = unique_action_ids([button(b) for b in message.buttons])
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def outbound_fallback(message: OutboundMessage) -> str:
    head = f"[{message.marking}] "
    return fallback(escape(head + (f"{message.title}: " if message.title else "") + message.text))
