"""What the bot sends back to Teams, built with Bot Framework's own schema types (botbuilder-schema)
so the wire format is theirs: a message (text, or an Adaptive Card attachment) and the answer to
an `adaptiveCard/action` invoke (the refreshed card, or a message for a refusal)."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    TextFormatTypes,
)

CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"


def text_message(text: str) -> dict[str, Any]:
    """A plain message; Teams shows plain text as typed, so nothing a person typed is read as
    markdown."""
    activity = Activity(type=ActivityTypes.message, text=text, text_format=TextFormatTypes.plain)
    body: dict[str, Any] = activity.serialize()
    return body


def card_message(card: dict[str, Any], summary: str = "") -> dict[str, Any]:
    activity = Activity(
        type=ActivityTypes.message,
        summary=summary or None,
        attachments=[Attachment(content_type=CARD, content=card)],
    )
    body: dict[str, Any] = activity.serialize()
    return body


def card_answer(card: dict[str, Any]) -> dict[str, Any]:
    """The invoke's answer that replaces the card the person clicked with `card`."""
    body: dict[str, Any] = AdaptiveCardInvokeResponse(
        status_code=200, type=CARD, value=card
    ).serialize()
    return body


def message_answer(text: str) -> dict[str, Any]:
    """The invoke's answer that leaves the card as it is and shows the person `text`."""
    # botbuilder-schema types `value` as an object, though Teams takes a string here
    body: dict[str, Any] = AdaptiveCardInvokeResponse(
        status_code=200, type=MESSAGE, value={}
    ).serialize()
    body["value"] = text
    return body
