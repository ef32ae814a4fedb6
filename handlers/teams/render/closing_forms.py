"""The forms that close an incident's story, on Teams: lessons learned (the core's questions,
then recommendations with their owners) and ending it before activation (the council declines
CIR support; MHCLG closes monitoring), whose words are the core's (`bot.views.ending`)."""

from __future__ import annotations

from bot.domain.incident import Incident
from bot.domain.lessons import QUESTIONS, REQUIRED
from bot.policy.model import Council
from bot.usecases.checklist import ChecklistView
from bot.usecases.ending import Ending
from bot.views import ending as words
from bot.views.actions import Form
from handlers.teams.render.budget import Card, fit
from handlers.teams.render.common import Element, text
from handlers.teams.render.escape import markdown, user_text
from handlers.teams.render.forms import form_card, text_input
from handlers.teams.render.inputs import EndingInput, recommendation_ids

INTRO_ALLOWANCES = 4  # the intro holds a line per body told, each with a typed reference and reason
FORM_RECOMMENDATIONS = 3  # rows the form offers, as on Slack; the domain would accept more
ENDING_FORMS = {
    Ending.MONITORING_ENDED: Form.CLOSE_MONITORING,
    Ending.DECLINED: Form.DECLINE_SUPPORT,
}
ENDINGS = {form: ending for ending, form in ENDING_FORMS.items()}


def lessons_form(incident: Incident, organisation: str) -> Card:
    return fit(lambda allowance: _lessons(incident, organisation, allowance))


def _lessons(incident: Incident, organisation: str, allowance: int) -> Card:
    body: list[Element] = [
        text(
            f"Lessons learned on **{markdown(str(incident.reference))}** for "
            f"**{user_text(organisation, allowance)}**. One submission per organisation: it goes "
            "into the post-incident report as given."
        )
    ]
    for key, label in QUESTIONS:
        body += text_input(key, label, optional=key not in REQUIRED)
    for n in range(1, FORM_RECOMMENDATIONS + 1):
        text_id, owner_id = recommendation_ids(n)
        body += text_input(text_id, f"Recommendation {n}", optional=True)
        body += text_input(
            owner_id,
            f"Who owns recommendation {n}",
            multiline=False,
            optional=True,
            help_text="An organisation or role: a recommendation nobody owns is never done.",
        )
    return form_card(Form.LESSONS, "Lessons learned", "Submit", incident.id, body)


def ending_form(
    incident: Incident, ending: Ending, view: ChecklistView, council: Council | None
) -> Card:
    """The intro lists the council's obligations with references and reasons people typed."""
    intro = words.form_intro(incident, ending, view, council)
    return fit(lambda allowance: _ending(incident, ending, intro, allowance))


def _ending(incident: Incident, ending: Ending, intro: str, allowance: int) -> Card:
    # one text, as on Slack: its lines are the core's, but what people typed can hold newlines
    return form_card(
        ENDING_FORMS[ending],
        words.TITLES[ending],
        words.SUBMIT[ending],
        incident.id,
        [
            text(user_text(intro, allowance * INTRO_ALLOWANCES)),
            *text_input(
                EndingInput.REASON,
                words.REASON_LABELS[ending],
                help_text=words.REASON_HINTS[ending],
            ),
        ],
    )
