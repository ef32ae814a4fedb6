"""OutboundMessage (pages, reminders, escalations) → Block Kit."""

from __future__ import annotations

from bot.chat_port import OutboundMessage
from handlers.slack.escape import escape, user_text
from handlers.slack.render.common import Block, button, marking_context, mrkdwn, plain


def outbound_blocks(message: OutboundMessage) -> list[Block]:
    blocks: list[Block] = [marking_context(message.marking)]
    if message.title:
        title = f":rotating_light: {message.title}" if message.urgent else message.title
        blocks.append({"type": "header", "text": plain(title)})
    blocks.append({"type": "section", "text": mrkdwn(escape(message.text))})
    fields = [
        mrkdwn(f"*{escape(f.label)}*\n{user_text(f.value, 1900) or '—'}") for f in message.facts
    ]
    for start in range(0, len(fields), 10):
        blocks.append({"type": "section", "fields": fields[start : start + 10]})
    if message.buttons:
        blocks.append({"type": "actions", "elements": [button(b) for b in message.buttons]})
    return blocks


def outbound_fallback(message: OutboundMessage) -> str:
    head = f"[{message.marking}] "
    return head + (f"{message.title}: " if message.title else "") + message.text
