"""Adaptive Card building blocks shared by the Teams renderers (schema 1.5).

Buttons are Universal Actions (`Action.Execute`): the verb is the `bot.views.actions` name the
Slack edge uses as its action id, and the data carries the button's value as Slack's does, so
both edges dispatch on the same names and values. Action titles, input labels and choice titles
are plain text in Teams (no Markdown), so only TextBlock and FactSet text is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.views.actions import Style
from bot.views.card import Button
from handlers.teams.render.budget import Card
from handlers.teams.render.escape import markdown, user_text

Element = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
REFRESH_VERB = "refresh"  # the invoke that asks for the card as the viewer should see it
REFRESH_USERS = 60  # Teams refreshes automatically for at most 60 listed users
MAX_ACTIONS = 5  # buttons in one row (the default host config's maxActions)
_STYLES = {Style.PRIMARY: "positive", Style.DANGER: "destructive"}


def adaptive_card(
    body: Sequence[Element], actions: Sequence[Element] = (), *, refresh: Element | None = None
) -> Card:
    card: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION}
    if refresh is not None:
        card["refresh"] = refresh
    card["body"] = list(body)
    if actions:
        card["actions"] = overflow(list(actions))
    return card


def text(
    value: str,
    *,
    weight: str = "",
    size: str = "",
    color: str = "",
    subtle: bool = False,
    spacing: str = "",
    style: str = "",
) -> Element:
    """A wrapping TextBlock of text that is already escaped (`markdown` or `user_text`)."""
    block: Element = {"type": "TextBlock", "text": value, "wrap": True}
    for key, chosen in (
        ("weight", weight),
        ("size", size),
        ("color", color),
        ("spacing", spacing),
        ("style", style),
    ):
        if chosen:
            block[key] = chosen
    if subtle:
        block["isSubtle"] = True
    return block


def heading(value: str, *, urgent: bool = False) -> Element:
    """A title the bot wrote (config names may be in it: escaped)."""
    shown = f"🚨 {markdown(value)}" if urgent else markdown(value)
    return text(
        shown, weight="Bolder", size="Large", color="Attention" if urgent else "", style="heading"
    )


def marking(value: str) -> Element:
    """The Government Security Classification, first on every card as on every Slack message."""
    return text(markdown(value), weight="Bolder", size="Small", subtle=True)


def fact_set(facts: Iterable[tuple[str, str]]) -> Element:
    """Label and value pairs, both already escaped; an empty value shows as a dash."""
    return {"type": "FactSet", "facts": [{"title": t, "value": v or "—"} for t, v in facts]}


def bullets(title: str, lines: Iterable[str], allowance: int) -> list[Element]:
    """A titled list of lines written by the bot from stored values (names typed by people are
    in them: escaped as typed text)."""
    items = [text(f"• {user_text(line, allowance)}", spacing="None") for line in lines]
    return [text(markdown(title), weight="Bolder", spacing="Medium"), *items] if items else []


def when(at: datetime) -> str:
    """A time every reader sees in their own time zone and locale (Teams' date functions),
    with the date: a deadline read at 02:00 must not need arithmetic."""
    iso = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{TIME({iso})}}}} {{{{DATE({iso}, SHORT)}}}}"


def execute(
    button: Button, *, verb: str = "", data: dict[str, Any] | None = None, title: str = ""
) -> Element:
    """A button as a Universal Action: `verb` the action's name, `data` its value."""
    action: Element = {
        "type": "Action.Execute",
        "title": title or button.label,
        "verb": verb or button.action.value,
        "data": {"value": button.value, **(data or {})},
    }
    if button.style in _STYLES:
        action["style"] = _STYLES[button.style]
    return action


def submit(verb: str, title: str, value: str) -> Element:
    """A form's submit button: Teams gathers the card's inputs into `data` beside the value."""
    return {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": {"value": value},
        "associatedInputs": "auto",
        "style": "positive",
    }


def cancel(value: str) -> Element:
    """Back to the incident card as it stands, nothing submitted."""
    return {
        "type": "Action.Execute",
        "title": "Cancel",
        "verb": REFRESH_VERB,
        "data": {"value": value},
        "associatedInputs": "none",
    }


def refresh(value: str, viewers: Sequence[str]) -> Element | None:
    """Ask Teams to fetch, for each listed viewer, the card as they should see it (their own
    buttons) through a `refresh` invoke carrying `value`. No viewers: no refresh."""
    if not viewers:
        return None
    return {
        "action": {"type": "Action.Execute", "verb": REFRESH_VERB, "data": {"value": value}},
        "userIds": list(dict.fromkeys(viewers))[:REFRESH_USERS],
    }


def overflow(actions: list[Element]) -> list[Element]:
    """Adaptive Cards hosts show at most five buttons in a row (Microsoft's parser warns past
    that, and a host may drop the rest): past five, the last place is a "More" button that
    opens the others beneath the card."""
    if len(actions) <= MAX_ACTIONS:
        return actions
    keep, rest = actions[: MAX_ACTIONS - 1], actions[MAX_ACTIONS - 1 :]
    more: Element = {
        "type": "Action.ShowCard",
        "title": "More…",
        "card": {"type": "AdaptiveCard", "body": [], "actions": overflow(rest)},
    }
    return [*keep, more]


def unique_titles(actions: list[Element]) -> list[Element]:
    """Two buttons with one title on one card cannot be told apart: a renderer bug."""
    titles = [a["title"] for a in actions]
    if len(titles) != len(set(titles)):
        raise ValueError(f"a card repeats a button title: {titles}")
    return actions
