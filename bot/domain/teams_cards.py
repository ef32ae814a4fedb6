"""The incident's card in each Teams conversation taking part, kept so it is updated in place.

On Slack an incident has its own channel with one pinned card. On Teams there is no incident
channel: each organisation taking part (the council, an assigned provider) has the one
conversation its app was installed in, and the incident's card is posted there, once, then
redrawn in place as the incident moves (Teams' update-activity, by the activity id it gave).
Stored, so any replica after any restart updates the same card instead of posting another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TeamsCard:
    incident_id: str
    conversation_id: str
    activity_id: str  # the id Teams gave the posted card
    org_kind: str  # an OrgKind value: whose conversation it is
    org_id: str
    updated_at: datetime
