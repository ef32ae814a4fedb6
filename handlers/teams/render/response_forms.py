"""The forms of the response, on Teams: change phase, status update, timeline note and the
notifications checklist. The same fields, labels and limits as the Slack modals, the same
names for the use cases."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.incident import Incident
from bot.domain.states import State
from bot.usecases.checklist import ChecklistView
from bot.views.actions import Form
from bot.views.card_sections import checklist_lines
from handlers.teams.render.budget import Card, fit
from handlers.teams.render.common import bullets, text
from handlers.teams.render.escape import markdown
from handlers.teams.render.forms import (
    choice_input,
    date_time_inputs,
    form_card,
    hint,
    text_input,
)
from handlers.teams.render.inputs import (
    PERSONAL_DATA_INVOLVED,
    PERSONAL_DATA_NOT,
    ChecklistInput,
    NoteInput,
    PhaseInput,
    UpdateInput,
)

STATUS_LABELS = {"done": "Done", "not_needed": "Not needed", "outstanding": "Outstanding"}


def _about(incident: Incident) -> str:
    return f"**{markdown(str(incident.reference))}** is in **{markdown(incident.state.label)}**."


def phase_form(incident: Incident, targets: Sequence[State]) -> Card:
    return form_card(
        Form.PHASE,
        "Change phase",
        "Change phase",
        incident.id,
        [
            text(_about(incident)),
            choice_input(PhaseInput.TARGET, "Move to", [(s.value, s.label) for s in targets]),
            *text_input(
                PhaseInput.SUMMARY,
                "Summary of what was done",
                help_text="On the record, and in the report's actions taken.",
            ),
        ],
    )


def status_update_form(incident: Incident) -> Card:
    return form_card(
        Form.STATUS_UPDATE,
        "Status update",
        "Post update",
        incident.id,
        [
            text(_about(incident)),
            *text_input(UpdateInput.WHAT_CHANGED, "What changed"),
            *text_input(UpdateInput.IMPACT, "Current impact"),
            *text_input(UpdateInput.NEXT_STEPS, "Next steps"),
            {
                "type": "Input.Toggle",
                "id": UpdateInput.PERSONAL_DATA.value,
                "label": "Personal data",
                "title": "Personal data is involved",
                "valueOn": PERSONAL_DATA_INVOLVED,
                "valueOff": PERSONAL_DATA_NOT,
                "value": PERSONAL_DATA_NOT,
                "wrap": True,
            },
            hint(
                "Tick if personal data has been found to be encrypted, accessed or taken: the "
                "incident is then marked OFFICIAL-SENSITIVE and the council is reminded of the "
                "ICO's 72 hours."
            ),
        ],
    )


def note_form(incident: Incident) -> Card:
    return form_card(
        Form.NOTE,
        "Timeline note",
        "Add note",
        incident.id,
        [
            text(f"A note on the timeline of **{markdown(str(incident.reference))}**."),
            *text_input(
                NoteInput.NOTE,
                "Note",
                help_text="Everyone in the incident sees it, and it goes into the report.",
            ),
        ],
    )


def checklist_form(incident: Incident, view: ChecklistView) -> Card:
    """Lines of the checklist carry references and reasons people typed: budgeted."""
    return fit(lambda allowance: _checklist(incident, view, allowance))


def _checklist(incident: Incident, view: ChecklistView, allowance: int) -> Card:
    items = [(row.item.value, row.label) for row in view.rows]
    statuses = list(STATUS_LABELS.items())
    return form_card(
        Form.CHECKLIST,
        "Notifications checklist",
        "Record",
        incident.id,
        [
            text(f"**{markdown(str(incident.reference))}**: who the council has told."),
            *bullets("Where it stands", checklist_lines(view), allowance),
            choice_input(ChecklistInput.ITEM, "Which body", items),
            choice_input(ChecklistInput.STATUS, "Status", statuses, expanded=True),
            *text_input(
                ChecklistInput.REFERENCE,
                "Reference they gave",
                multiline=False,
                optional=True,
                help_text="Needed for the ICO and Action Fraud when done.",
            ),
            *text_input(
                ChecklistInput.REASON,
                "Why it is not needed",
                optional=True,
                help_text="If not needed. The NCSC is always told.",
            ),
            *date_time_inputs(
                ChecklistInput.DATE, ChecklistInput.TIME, "When they were told", optional=True
            ),
            hint("Leave both empty for now."),
        ],
    )
