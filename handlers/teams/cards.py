"""What the Teams edge needs drawn as Adaptive Cards: the incident card, the bot's outbound
messages, and the forms a button opens in place of the card it was on. teams-cards' renderers
(`handlers/teams/render/`) draw them from the same view models as the Block Kit; `Cards` is
what the flows ask for, so the invoke tests can check the flows on their own.

A form's inputs carry the ids in `render/inputs.py` (the use cases' own field names), which
the flows read too; its submit is an `Action.Execute` whose verb is the
form's `bot.views.actions.Form` value and whose data is `{"value": <incident id>}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.incident import Incident
from bot.domain.states import State
from bot.policy.model import Council
from bot.ports.chat import OutboundMessage
from bot.usecases.checklist import ChecklistView
from bot.usecases.ending import Ending
from bot.views.card import IncidentCard
from handlers.teams import render
from handlers.teams.render import closing_forms, provider_forms, response_forms


class Cards(Protocol):
    def incident_card(self, card: IncidentCard, viewers: Sequence[str] = ()) -> dict[str, Any]: ...

    def outbound_card(self, message: OutboundMessage) -> dict[str, Any]: ...

    def contact_form(self, incident: Incident, now: datetime) -> dict[str, Any]: ...

    def status_update_form(self, incident: Incident) -> dict[str, Any]: ...

    def note_form(self, incident: Incident) -> dict[str, Any]: ...

    def phase_form(self, incident: Incident, targets: Sequence[State]) -> dict[str, Any]: ...

    def lessons_form(self, incident: Incident, organisation: str) -> dict[str, Any]: ...

    def decline_form(
        self, incident: Incident, view: ChecklistView, council: Council | None
    ) -> dict[str, Any]: ...

    def checklist_form(self, incident: Incident, view: ChecklistView) -> dict[str, Any]: ...


class RenderedCards:
    """teams-cards' renderers as the flows ask for them."""

    def incident_card(self, card: IncidentCard, viewers: Sequence[str] = ()) -> dict[str, Any]:
        return render.incident_card(card, viewers)

    def outbound_card(self, message: OutboundMessage) -> dict[str, Any]:
        return render.outbound_card(message)

    def contact_form(self, incident: Incident, now: datetime) -> dict[str, Any]:
        return provider_forms.contact_form(incident, now)

    def status_update_form(self, incident: Incident) -> dict[str, Any]:
        return response_forms.status_update_form(incident)

    def note_form(self, incident: Incident) -> dict[str, Any]:
        return response_forms.note_form(incident)

    def phase_form(self, incident: Incident, targets: Sequence[State]) -> dict[str, Any]:
        return response_forms.phase_form(incident, list(targets))

    def lessons_form(self, incident: Incident, organisation: str) -> dict[str, Any]:
        return closing_forms.lessons_form(incident, organisation)

    def decline_form(
        self, incident: Incident, view: ChecklistView, council: Council | None
    ) -> dict[str, Any]:
        return closing_forms.ending_form(incident, Ending.DECLINED, view, council)

    def checklist_form(self, incident: Incident, view: ChecklistView) -> dict[str, Any]:
        return response_forms.checklist_form(incident, view)
