"""Block Kit building blocks shared by the renderers."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.views.actions import Action, Style
from bot.views.card import Button
from handlers.slack.escape import user_text
from handlers.slack.render.budget import text_sections

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


def button(b: Button, id_suffix: str = "") -> Block:
    """`id_suffix` tells apart buttons of one action in one actions block (Slack refuses a
    repeated action_id); the listener matches the action by pattern (`action_pattern`)."""
    element: Block = {
        "type": "button",
        "action_id": f"{b.action.value}:{id_suffix}" if id_suffix else b.action.value,
        "text": plain(b.label, 75),
        "value": b.value,
    }
    if b.style is not Style.DEFAULT:
        element["style"] = b.style.value
    return element


def action_pattern(action: Action) -> re.Pattern[str]:
    """The action ids `button` gives `action`, with or without a suffix."""
    return re.compile(rf"^{re.escape(action.value)}(?::[A-Za-z0-9_.-]+)?$")


def marking_context(marking: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(f"*{marking}*")]}


def announcement(marking: str, text: str, *more: Block) -> list[Block]:
    """A line the bot posts in an incident's channel: the marking, the text (split over
    sections if long), then any buttons."""
    return [marking_context(marking), *text_sections(text), *more]


def announced(marking: str, text: str, *more: Block) -> tuple[str, list[Block]]:
    """`announcement` of a line that carries names or typed words: escaped once, and the same
    safe text used as the fallback (notifications show it, and it is mrkdwn too)."""
    safe = user_text(text)
    return safe, announcement(marking, safe, *more)
