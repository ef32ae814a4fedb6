"""What the bot says on Teams besides cards: an answer or a refusal to the person who acted,
and an announcement in an organisation's conversation.

An answer is plain text (`textFormat: plain`: Teams shows it as written, so no Markdown escape
is needed), sanitised like everything people typed since refusals and answers carry names. A
refusal to a card action is the body of the invoke's answer, which Teams shows to the person who
pressed: `refusal(text)`. A card the person should see instead is `card_response(card)`.
"""

from __future__ import annotations

from typing import Any

from bot.views.sanitise import sanitise
from handlers.teams.render.budget import CARD_CONTENT_TYPE, Card, attachment, cut, fit
from handlers.teams.render.common import Element, adaptive_card, marking, text
from handlers.teams.render.escape import user_text

MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
ANSWER_TEXT = 4000  # characters: a refusal or answer is a sentence or two, never this long
SUMMARY_TEXT = 300  # characters of a notification's preview (within the budget's envelope)


def plain(words: str) -> str:
    return cut(sanitise(words), ANSWER_TEXT)


def answer(words: str) -> dict[str, Any]:
    """A message activity to post in the conversation (or reply with)."""
    return {"type": "message", "text": plain(words), "textFormat": "plain"}


def card_message(card: Card, summary: str = "") -> dict[str, Any]:
    """A message activity carrying `card`; `summary` is what a notification shows of it (Teams
    shows "Card" without one, which at 02:00 says nothing about a page)."""
    activity: dict[str, Any] = {"type": "message", "attachments": [attachment(card)]}
    if summary:
        activity["summary"] = cut(sanitise(summary), SUMMARY_TEXT)
    return activity


def refusal(words: str) -> dict[str, Any]:
    """The body of an `adaptiveCard/action` invoke's answer that tells the person why nothing
    was done (Teams shows the text to them; the card stays as it was)."""
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": plain(words)}


def card_response(card: Card) -> dict[str, Any]:
    """The body of an invoke's answer that shows the person `card` (a form, or the refreshed
    incident card) in place of the one they pressed."""
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}


def announcement(marking_text: str, words: str, quoted: str = "") -> Card:
    """A line the bot posts in an organisation's conversation (names in it: escaped), with
    what a person typed, if any, quoted under it."""
    return fit(lambda allowance: _announcement(marking_text, words, quoted, allowance))


def _announcement(marking_text: str, words: str, quoted: str, allowance: int) -> Card:
    body: list[Element] = [marking(marking_text), text(user_text(words, allowance))]
    if quoted.strip():
        body.append(
            {
                "type": "Container",
                "style": "emphasis",
                "items": [text(user_text(quoted.strip(), allowance))],
            }
        )
    return adaptive_card(body)
