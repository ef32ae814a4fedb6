"""What the Teams edge needs drawn as Adaptive Cards (teams-cards' `handlers/teams/render/`
draws them from the same view models as the Block Kit): the incident card, the bot's outbound
messages, and the forms a button opens in place of the card it was on.

A form's inputs carry the ids in `Input`; its submit button is an `Action.Execute` whose verb is
the form's `bot.views.actions.Form` value and whose data is `{"value": <incident id>}`, so the
invoke comes back with the incident and every input in `action.data`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.domain.incident import Incident
from bot.domain.states import State
from bot.ports.chat import OutboundMessage
from bot.views.card import IncidentCard


class Input(StrEnum):
    CONTACT_AT = "contact_at"  # ISO 8601 with its zone, or an Input.Date + Input.Time pair:
    CONTACT_DATE = "contact_date"  # "2026-12-04"
    CONTACT_TIME = "contact_time"  # "09:30", UK time
    METHOD = "method"
    NOTES = "notes"
    WHAT_CHANGED = "what_changed"
    IMPACT = "impact"
    NEXT_STEPS = "next_steps"
    PERSONAL_DATA = "personal_data"  # Input.Toggle: "true" / "false"
    NOTE = "note"
    REASON = "reason"
    TARGET = "target"  # a State value
    SUMMARY = "summary"
    RECOMMENDATION = "recommendation_{n}"  # and "owner_{n}", n = 1…
    OWNER = "owner_{n}"


class Cards(Protocol):
    def incident_card(self, card: IncidentCard) -> dict[str, Any]: ...

    def outbound_card(self, message: OutboundMessage) -> dict[str, Any]: ...

    def contact_form(self, incident: Incident, now: datetime) -> dict[str, Any]: ...

    def status_update_form(self, incident: Incident) -> dict[str, Any]: ...

    def note_form(self, incident: Incident) -> dict[str, Any]: ...

    def phase_form(self, incident: Incident, targets: Sequence[State]) -> dict[str, Any]: ...

    def lessons_form(self, incident: Incident, organisation: str) -> dict[str, Any]: ...

    def decline_form(self, incident: Incident) -> dict[str, Any]: ...
