"""A threshold assessment: the answers, the bot's recommendation, and the person's decision.

The bot recommends; a person decides, with a rationale. With four eyes configured an activation
decision waits for a second, different assessor to confirm it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AssessmentStatus(StrEnum):
    RECOMMENDED = "recommended"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    DECIDED = "decided"


class Decision(StrEnum):
    ACTIVATE = "activate"
    MONITOR = "monitor"
    NEED_MORE_INFO = "need_more_info"

    @property
    def label(self) -> str:
        return {
            Decision.ACTIVATE: "Activate CIR support",
            Decision.MONITOR: "Monitor (below threshold)",
            Decision.NEED_MORE_INFO: "Need more information",
        }[self]


@dataclass
class Assessment:
    id: str
    incident_id: str
    assessor_id: str
    answers: dict[str, list[str]]
    recommendation: str
    reasons: list[dict[str, Any]]
    status: AssessmentStatus
    created_at: datetime
    decision: str = ""
    rationale: str = ""
    confirmed_by: str = ""
    decided_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
