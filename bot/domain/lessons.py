"""Lessons learned: after closure each organisation (MHCLG, the provider, the council) answers
the same questions once, and recommendations each carry an owner, because a recommendation
nobody owns is never acted on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.events import LessonsSubmitted

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("what_happened", "What happened and when"),
    ("went_well", "What went well"),
    ("hindered", "What hindered the response"),
    ("info_sooner", "What information was needed sooner"),
    ("differently", "What should be done differently"),
)
REQUIRED = frozenset({"what_happened"})
MAX_RECOMMENDATIONS = 20


@dataclass(frozen=True)
class Recommendation:
    text: str
    owner: str

    def as_dict(self) -> dict[str, str]:
        return {"text": self.text, "owner": self.owner}


@dataclass(frozen=True)
class LessonsSubmission:
    id: str
    incident_id: str
    organisation: str  # "kind:id", as Actor.organisation
    answers: dict[str, str]
    recommendations: tuple[Recommendation, ...]
    submitted_by: str
    submitted_by_name: str
    submitted_at: datetime

    def event(self) -> LessonsSubmitted:
        """The timeline's record of this submission, which the report generator reads."""
        return LessonsSubmitted(
            organisation=self.organisation,
            answers=dict(self.answers),
            recommendations=tuple(r.as_dict() for r in self.recommendations),
        )


@dataclass
class LessonsCollection:
    incident_id: str
    organisations: tuple[str, ...]
    requested_at: datetime
    closed_at: datetime | None = None
    closed_by: str = ""
    closed_by_name: str = ""

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def outstanding(self, submissions: Sequence[LessonsSubmission]) -> list[str]:
        answered = {s.organisation for s in submissions}
        return [o for o in self.organisations if o not in answered]

    def close(self, by: str, by_name: str, now: datetime) -> None:
        self.closed_at, self.closed_by, self.closed_by_name = now, by, by_name
