"""Which organisation a chat workspace belongs to, learnt rather than configured.

When a council's contact accepts a Slack Connect invitation, Slack says which workspace (team)
the contact joined from: that is the council's workspace, very probably. "Very probably" is not
enough to let its people act for the council (record the MoU as signed, opt in to recovery), so
the binding waits for a person in MHCLG to confirm the match once; a rejected one is kept, so
the same team is not put to MHCLG again for that council.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.bindings import Platform


class BindingStatus(StrEnum):
    PENDING = "pending"  # learnt, waiting for MHCLG: its people are not recognised yet
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass
class TeamBinding:
    platform: Platform
    team_id: str
    org_kind: str  # an OrgKind value; councils only, today
    org_id: str
    status: BindingStatus
    incident_id: str  # where it was learnt: the confirmation goes on that timeline
    learnt_from_user: str  # the platform user who accepted the invitation
    learnt_at: datetime
    decided_by: str = ""
    decided_by_name: str = ""
    decided_at: datetime | None = None
