"""IncidentCard → an Adaptive Card, posted once per Teams organisation and updated in place.

The same view model as the Slack card: facts, response and checklist sections, the next
deadlines and the buttons the incident's state offers. Which of those buttons a viewer may press
is the use cases' business (the caller passes the card it built for the viewer; a refused press
is refused there, as on Slack). The card carries a `refresh` so Teams fetches each listed
viewer's own card. Slack-only parts (Slack Connect invitations, the link to the Slack channel)
are left out: nobody on Teams can use them.

The card is edited in place at every change, so a card Teams refused would stay frozen for the
rest of the incident: every typed text goes through the budget, whatever people typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.views.card import IncidentCard
from handlers.teams.render.budget import Card, fit
from handlers.teams.render.common import (
    Element,
    adaptive_card,
    bullets,
    execute,
    fact_set,
    heading,
    marking,
    refresh,
    text,
    unique_titles,
    when,
)
from handlers.teams.render.escape import markdown, user_text

SECTION_LINES = 12  # lines shown per section; the rest are on the timeline
# characters of one section line, a tenth of a fact's: a line is a status, and what someone typed
# in it comes second to the facts (what happened, what is affected)
SECTION_LINE = 300
MIN_LINE = 40


def incident_card(card: IncidentCard, viewers: Sequence[str] = ()) -> Card:
    """The incident card; `viewers` are the Teams user ids whose card Teams should refresh."""
    return fit(lambda allowance: _layout(card, viewers, allowance))


def _layout(card: IncidentCard, viewers: Sequence[str], allowance: int) -> Card:
    body: list[Element] = [
        marking(card.marking),
        heading(card.title),
        text(f"**State:** {markdown(card.state)}"),
        # config text is escaped too: it is editable
        fact_set((markdown(f.label), user_text(f.value, allowance)) for f in card.facts),
    ]
    for section in card.sections:
        body += bullets(section.title, _shown(section.lines), _line_allowance(allowance))
    if card.deadlines:
        lines = [f"• {markdown(label)}: {when(due)}" for label, due in card.deadlines]
        body += [
            text("**Next deadlines**", spacing="Medium"),
            *(text(line, spacing="None") for line in lines),
        ]
    actions = unique_titles([execute(b) for b in card.buttons])
    return adaptive_card(body, actions, refresh=refresh(card.reference, viewers))


def _line_allowance(allowance: int) -> int:
    return max(min(allowance // 10, SECTION_LINE), MIN_LINE)


def _shown(lines: tuple[str, ...]) -> list[str]:
    if len(lines) <= SECTION_LINES:
        return list(lines)
    more = len(lines) - SECTION_LINES + 1
    return [*lines[: SECTION_LINES - 1], f"and {more} more: see the incident's timeline"]
