"""Every council and provider action on Teams, one thin flow each: parse the card's data, call
one use case in `bot/usecases/`, answer with the card. The rules (who may, when, what is
recorded) are the use cases'; these files only translate.

`FLOWS` maps an invoke's verb (a `bot.views.actions.Action` or `Form` value) to its flow."""

from __future__ import annotations

from handlers.teams.flows import activation, checklist, ending, lessons, page, response
from handlers.teams.invoke import Flow

FLOWS: dict[str, Flow] = {
    **page.FLOWS,
    **activation.FLOWS,
    **response.FLOWS,
    **lessons.FLOWS,
    **ending.FLOWS,
    **checklist.FLOWS,
}
