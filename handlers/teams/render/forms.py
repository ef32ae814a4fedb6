"""The frame every Teams form shares: a card whose inputs Teams gathers into one
`Action.Execute` (verb = the `bot.views.actions.Form` name Slack uses as its callback id, data =
the incident, as Slack's private metadata), and a Cancel that brings back the incident card.

Slack opens a modal; Teams has none for a bot's card, so the form replaces the card for the
person who pressed the button (the invoke's answer), and the submit or Cancel brings the card
back. Each text input's `maxLength` is the limit the use case enforces (the server check stays
the real one: a client can send anything), required inputs say so and why in Teams' own
validation, and hints are shown under their input as the Slack forms' hints are.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.usecases.validation import LIMITS
from bot.views.actions import Form
from handlers.teams.render.budget import Card
from handlers.teams.render.common import Element, adaptive_card, cancel, heading, submit, text
from handlers.teams.render.escape import markdown

DEFAULT_LIMIT = 3000  # FieldErrors' limit for any field LIMITS does not name


def form_card(
    form: Form, title: str, submit_label: str, value: str, body: Sequence[Element]
) -> Card:
    return adaptive_card(
        [heading(title), *body], [submit(form.value, submit_label, value), cancel(value)]
    )


def hint(words: str) -> Element:
    return text(markdown(words), size="Small", subtle=True, spacing="None")


def text_input(
    input_id: str,
    label: str,
    *,
    multiline: bool = True,
    optional: bool = False,
    help_text: str = "",
    limit: int | None = None,
) -> list[Element]:
    element: Element = {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "isMultiline": multiline,
        "maxLength": limit or LIMITS.get(input_id, DEFAULT_LIMIT),
    }
    if not optional:
        element["isRequired"] = True
        element["errorMessage"] = f"{label}: required."
    return [element, hint(help_text)] if help_text else [element]


def choice_input(
    input_id: str,
    label: str,
    choices: Sequence[tuple[str, str]],
    *,
    expanded: bool = False,
    value: str = "",
    optional: bool = False,
) -> Element:
    """`choices` are (value, title) pairs, as the Slack forms' options."""
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "choices": [{"title": title, "value": v} for v, title in choices],
        "style": "expanded" if expanded else "compact",
    }
    if value:
        element["value"] = value
    if not optional:
        element["isRequired"] = True
        element["errorMessage"] = f"{label}: choose one."
    return element


def date_time_inputs(
    date_id: str, time_id: str, label: str, *, day: str = "", clock: str = "", optional: bool
) -> list[Element]:
    """A date and a time input (Teams has no picker for both), read as UK time."""
    date: Element = {"type": "Input.Date", "id": date_id, "label": f"{label}: date (UK)"}
    time: Element = {"type": "Input.Time", "id": time_id, "label": f"{label}: time (UK)"}
    for element, initial, what in ((date, day, "date"), (time, clock, "time")):
        if initial:
            element["value"] = initial
        if not optional:
            element["isRequired"] = True
            element["errorMessage"] = f"{label}: give the {what}."
    return [date, time]
