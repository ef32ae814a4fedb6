"""The people an exercise casts, as the sandbox workspace knows them: the roles a scenario's `by`
names, with the ids the sandbox's workspace gives them (sandbox/cast.py), so an exercise acts as
the people the browser page shows. MHCLG's assessor and duty manager match config/mhclg.yml;
each provider's responder is in that provider's own workspace (config/providers.yml
`slack_team_ids`); each council's contact is in the council's workspace, `T0<COUNCIL>` (the
exercise's register sets it, see sandbox.exercise.register); the outsider belongs to nobody the
bot serves."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.policy.model import Policy, Provider

MHCLG_TEAM = "T0MHCLG"


@dataclass(frozen=True)
class Person:
    role: str
    user_id: str
    team_id: str
    name: str
    email: str


ASSESSOR = Person("assessor", "U0ASSESSOR1", MHCLG_TEAM, "Ada Assessor", "ada@mhclg.example")
DUTY_MANAGER = Person(
    "duty_manager", "U0DUTYMGR", MHCLG_TEAM, "Dev Duty-Manager", "cir-duty@mhclg.example"
)
OUTSIDER = Person("outsider", "U0OUTSIDER", "T0OUTSIDE", "Oz Outsider", "oz@outside.example")


def _slug(text: str, size: int) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())[:size]


def responder(provider: Provider) -> Person:
    """The provider's responder, as the sandbox's workspace names them (sandbox/cast.py)."""
    team = provider.slack_team_ids[0] if provider.slack_team_ids else ""
    return Person(
        "provider",
        f"U0{_slug(provider.id, 6)}R1",
        team or f"T0{_slug(provider.id, 9)}",
        f"{provider.name} responder",
        f"responder@{provider.id}.example",
    )


def council_team(council_id: str) -> str:
    return f"T0{_slug(council_id, 9)}"


def council_contact(council_id: str, name: str = "", team: str = "") -> Person:
    return Person(
        "council",
        f"U0{_slug(council_id, 8)}1",
        team or council_team(council_id),
        f"{name or council_id} contact",
        f"cir-contact@{council_id}.example",
    )


def everyone(policy: Policy) -> list[Person]:
    """Every person an exercise under this policy may cast."""
    return [
        ASSESSOR,
        DUTY_MANAGER,
        OUTSIDER,
        *(responder(p) for p in policy.providers.values()),
        *(council_contact(c.id, c.name, c.slack_team_id) for c in policy.councils.values()),
    ]
