"""The people an exercise casts, as the sandbox workspace knows them: the roles a scenario's `by`
names. MHCLG's assessor and duty manager match config/mhclg.yml; each provider's responder is
in that provider's own workspace (config/providers.yml `slack_team_ids`); each council's contact
is in the council's workspace, `T0<COUNCIL>` (the exercise's register sets it, see
sandbox.exercise.register); the outsider belongs to nobody the bot serves."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    "duty_manager", "U0DUTYMGR", MHCLG_TEAM, "Dev Duty Manager", "cir-duty@mhclg.example"
)
OUTSIDER = Person("outsider", "U0OUTSIDER", "T0OUTSIDE", "Oz Outsider", "oz@outside.example")
RESPONDERS = {
    "kpmg": Person("provider", "U0KPMG1", "T0KPMG", "Kim Responder", "kim@kpmg.example"),
    "accenture": Person(
        "provider", "U0ACC1", "T0ACCENTURE", "Alex Accenture", "alex@accenture.example"
    ),
}


def _slug(council_id: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", council_id.upper())[:16]


def council_team(council_id: str) -> str:
    return f"T0{_slug(council_id)}"


def council_contact(council_id: str, name: str = "") -> Person:
    slug = _slug(council_id)
    return Person(
        "council",
        f"U0{slug}1",
        council_team(council_id),
        f"{name or council_id} contact",
        f"cir-contact@{council_id}.example",
    )


def everyone(council_ids: list[str]) -> list[Person]:
    """Every person an exercise over these councils may cast."""
    return [
        ASSESSOR,
        DUTY_MANAGER,
        OUTSIDER,
        *RESPONDERS.values(),
        *(council_contact(c) for c in council_ids),
    ]
