"""Teams' message size limit, and the one place that fits a card into it.

Teams refuses a whole activity over about 28 KB (the Bot Connector answers 413), so a long
description would silently cost a council its page, or freeze the incident card for the rest of
the incident. Renderers lay out a card with a given allowance per typed text; `fit` tries
smaller allowances until the activity that carries the card fits, and every text cut on the way
ends in a visible "(shortened)" mark. Nothing is dropped in silence, and the whole text stays on
the incident's timeline.

The size is measured as the Bot Connector receives it: the activity's JSON with non-ASCII
escaped (`\\uXXXX`, the larger of the two encodings a client may send), plus room for what the
connector call adds around the attachments (ids, `from`, `recipient`, `conversation`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Card = dict[str, Any]

MESSAGE_LIMIT = 28_000  # bytes: Teams' limit on a whole message activity
ENVELOPE = 2_000  # bytes: ids, from, recipient, conversation, serviceUrl, locale, entities
CARD_BUDGET = MESSAGE_LIMIT - ENVELOPE
USER_TEXT = 3_000  # characters of one typed text when there is room (the forms' own limit)
# Allowances tried in turn, largest first, until the card fits: a card of many typed fields, or
# of emoji (12 bytes each once escaped), ends up at one of the smaller ones.
ALLOWANCES = (USER_TEXT, 2_000, 1_200, 800, 500, 300, 200, 120, 80)
SHORTENED = " … (shortened)"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


class CardTooLarge(ValueError):
    """Not even the smallest allowance fits: the layout itself is too big (a renderer bug)."""


def cut(text: str, limit: int, *, escape: Callable[[str], str] = str) -> str:
    """`text` escaped, whole if it has at most `limit` characters, else its first characters
    (never splitting a character from the marks that combine with it) and `SHORTENED`."""
    if len(text) <= limit:
        return escape(text)
    end = max(limit - len(SHORTENED), 0)
    while end > 0 and _is_combining(text[end]):
        end -= 1
    return escape(text[:end].rstrip()) + SHORTENED


def _is_combining(ch: str) -> bool:
    return "\u0300" <= ch <= "\u036f" or ch in "\u200d\ufe0f" or "\U0001f3fb" <= ch <= "\U0001f3ff"


def attachment(card: Card) -> dict[str, Any]:
    """The card as a message attachment (and as an invoke response's value, unwrapped)."""
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def activity_size(card: Card) -> int:
    """Bytes of a message activity carrying `card`, before the envelope."""
    activity = {"type": "message", "attachments": [attachment(card)]}
    return len(json.dumps(activity, ensure_ascii=True).encode())


def fits(card: Card) -> bool:
    return activity_size(card) <= CARD_BUDGET


def fit(layout: Callable[[int], Card]) -> Card:
    """The first card `layout(allowance)` makes that fits Teams' limit, trying the allowances
    from the largest down."""
    for allowance in ALLOWANCES:
        card = layout(allowance)
        if fits(card):
            return card
    raise CardTooLarge(f"a card is {activity_size(card)} bytes even with the smallest allowance")
