"""Who did something, and for which organisation: authorisation and the timeline both need it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OrgKind(StrEnum):
    MHCLG = "mhclg"
    PROVIDER = "provider"
    COUNCIL = "council"
    NCSC = "ncsc"
    GC3 = "gc3"
    SYSTEM = "system"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Actor:
    """A person (or the bot itself) as resolved by a platform edge.

    `user_id` is platform-qualified (e.g. `slack:T0123:U0456`) so the same person on Slack and
    Teams never collides with another; `org_id` names the organisation in config (a provider id,
    a council id, or "mhclg").
    """

    user_id: str
    name: str
    org_kind: OrgKind
    org_id: str

    @property
    def organisation(self) -> str:
        return f"{self.org_kind.value}:{self.org_id}"


SYSTEM = Actor(user_id="system", name="CIR bot", org_kind=OrgKind.SYSTEM, org_id="cir-bot")
