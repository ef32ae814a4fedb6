"""The provider's form on Teams: contact made (when, how, notes). The page's Acknowledge is a
button on the page and the incident card; MoU sent and signed, like the council's recovery
opt-in, are buttons on the card (`bot.views.card`), recorded at a press as on Slack."""

from __future__ import annotations

from datetime import datetime

from bot.domain.engagement import ContactMethod
from bot.domain.incident import Incident
from bot.views.actions import Form
from handlers.teams.render.budget import Card
from handlers.teams.render.common import text
from handlers.teams.render.escape import markdown
from handlers.teams.render.forms import choice_input, date_time_inputs, form_card, text_input
from handlers.teams.render.inputs import ContactInput, uk_local

METHOD_LABELS = {
    ContactMethod.PHONE: "Phone",
    ContactMethod.VIDEO: "Video call",
    ContactMethod.ON_SITE: "On site",
    ContactMethod.EMAIL: "Email",
}
NOTES_LIMIT = 3000  # the Slack form's limit on the notes


def contact_form(incident: Incident, now: datetime) -> Card:
    day, clock = uk_local(now)
    methods = [(m.value, label) for m, label in METHOD_LABELS.items()]
    return form_card(
        Form.CONTACT,
        "Contact made",
        "Record contact",
        incident.id,
        [
            text(
                f"**{markdown(str(incident.reference))}**: when did you reach the council, and "
                "how? Give the real time of contact if it was earlier than now."
            ),
            *date_time_inputs(
                ContactInput.DATE,
                ContactInput.TIME,
                "Contact made at",
                day=day,
                clock=clock,
                optional=False,
            ),
            choice_input(ContactInput.METHOD, "How", methods, expanded=True, value=methods[0][0]),
            *text_input(ContactInput.NOTES, "Notes", optional=True, limit=NOTES_LIMIT),
        ],
    )
