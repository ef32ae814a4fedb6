"""Block Kit building blocks shared by the renderers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.views.actions import Style
from bot.views.card import Button

Block = dict[str, Any]


def plain(text: str, limit: int = 150) -> dict[str, Any]:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text, "emoji": False}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def slack_time(when: datetime) -> str:
    """A clock time every reader sees in their own time zone, with a UTC fallback."""
    fallback = when.strftime("%H:%M UTC %d %b")
    return f"<!date^{int(when.timestamp())}^{{time}} {{date_short_pretty}}|{fallback}>"


def button(b: Button) -> Block:
    element: Block = {
        "type": "button",
        "action_id": b.action.value,
        "text": plain(b.label, 75),
        "value": b.value,
    }
    if b.style is not Style.DEFAULT:
        element["style"] = b.style.value
    return element


def marking_context(marking: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(f"*{marking}*")]}
