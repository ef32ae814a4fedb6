"""OutboundMessage (pages, reminders, escalations, mirrored messages) → an Adaptive Card.

A page Teams refused would be a page nobody saw: its text and facts are budgeted like every
other card. `text` and `title` are the bot's own words (escaped all the same: names from config
are in them); facts marked `user_text` are what people typed."""

from __future__ import annotations

from bot.ports.chat import OutboundMessage
from handlers.teams.render.budget import Card, cut, fit
from handlers.teams.render.common import (
    Element,
    adaptive_card,
    execute,
    fact_set,
    heading,
    marking,
    text,
    unique_titles,
)
from handlers.teams.render.escape import markdown, user_text

BOT_TEXT = 6_000  # characters of the bot's own text: it is never this long, but stay in budget


def outbound_card(message: OutboundMessage) -> Card:
    return fit(lambda allowance: _layout(message, allowance))


def _layout(message: OutboundMessage, allowance: int) -> Card:
    body: list[Element] = [marking(message.marking)]
    if message.title:
        body.append(heading(message.title, urgent=message.urgent))
    body.append(text(cut(message.text, BOT_TEXT, escape=markdown)))
    if message.facts:
        body.append(
            fact_set(
                (
                    markdown(f.label),
                    user_text(f.value, allowance) if f.user_text else user_text(f.value, BOT_TEXT),
                )
                for f in message.facts
            )
        )
    actions = unique_titles([execute(b) for b in message.buttons])
    return adaptive_card(body, actions)


def outbound_summary(message: OutboundMessage) -> str:
    """The activity's `summary` for `messages.card_message` (a notification's preview): the
    bot's own words, as Slack's fallback text."""
    return f"[{message.marking}] " + (f"{message.title}: " if message.title else "") + message.text
