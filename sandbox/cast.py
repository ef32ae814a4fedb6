"""The sandbox's people and places, drawn from the service's own configuration so the bot knows
them as it would know the real ones: MHCLG's workspace with its CIR team (assessors, the duty
manager) and its triage channel; each provider's workspace (a responder and its escalation
contacts) with its paging channel shared into MHCLG's by Slack Connect; each council that uses
Slack Connect as a workspace of its own with its out-of-band contact; and an outsider, a person
at a council with no part in the incident, who must see none of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.bindings import Platform
from bot.policy.model import Contact, Policy
from sandbox.slack.workspace import BOT_USER, Channel, Person, Workspace

FIRST_NAMES = ("Hana", "Ravi", "Sian", "Tom", "Una", "Wes", "Zoe", "Priya", "Owen", "Lena")


@dataclass(frozen=True)
class Role:
    """A person the switcher offers first, by what they do in the service."""

    user_id: str
    role: str


def _slug(text: str, size: int) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())[:size]


def _bare(name: str) -> str:
    return name.replace("(placeholder)", "").strip()


def _team_of(council_id: str, configured: str) -> str:
    return configured or f"T0{_slug(council_id, 9)}"


def _contact_person(user_id: str, team: str, contact: Contact, title: str) -> Person:
    return Person(user_id, team, _bare(contact.name), contact.email, contact.phone, title=title)


def build_workspace(policy: Policy) -> tuple[Workspace, list[Role]]:  # noqa: C901 (the cast, organisation by organisation: a script, not a decision)
    ws = Workspace(complete=True)
    roles: list[Role] = []
    mhclg = policy.mhclg
    team = mhclg.slack_team_id
    ws.teams[team].name = "MHCLG"
    managers = {s.manager.slack_user: s.manager for s in mhclg.duty_rota if s.manager.slack_user}
    names = iter(("Ada Assessor", "Bea Assessor", "Cal Assessor", "Dee Assessor"))
    for user_id in mhclg.assessors:
        ws.add_person(
            Person(
                user_id,
                team,
                next(names, user_id),
                f"{user_id.lower()}@mhclg.example",
                title="MHCLG assessor",
            )
        )
    for user_id, manager in managers.items():
        ws.add_person(
            Person(
                user_id,
                team,
                "Dev Duty-Manager",
                manager.email,
                manager.phone,
                title="MHCLG duty manager",
            )
        )
    for user_id in mhclg.team_users:
        if user_id not in ws.people:
            ws.add_person(Person(user_id, team, f"CIR team {user_id}", title="MHCLG CIR team"))
    cir_team = [p.id for p in ws.people.values()]
    roles.append(Role(mhclg.assessors[0], "assessor"))
    if managers:
        roles.append(Role(next(iter(managers)), "duty manager"))
    ws.add_channel(
        Channel(mhclg.triage_channel, "cir-triage", True, team, members=[BOT_USER, *cir_team])
    )
    ws.add_person(
        Person(
            "U0MHCLGSTAFF",
            team,
            "Max Colleague",
            "max@mhclg.example",
            title="MHCLG, not in the CIR team",
        )
    )
    ws.add_channel(
        Channel("C0MHCLGGEN", "mhclg-general", False, team, members=[*cir_team, "U0MHCLGSTAFF"])
    )

    on_duty = [p.id for p in policy.providers_on_duty(datetime.now(UTC))]
    providers = sorted(policy.providers.values(), key=lambda p: p.id not in on_duty)
    for provider in providers:
        if provider.platform is Platform.TEAMS:
            continue  # on the sandbox's Teams page instead (sandbox.teams.cast)
        provider_team = provider.slack_team_ids[0] if provider.slack_team_ids else ""
        provider_team = provider_team or f"T0{_slug(provider.id, 9)}"
        ws.add_team(provider_team, provider.name)
        responder = f"U0{_slug(provider.id, 6)}R1"
        ws.add_person(
            Person(
                responder,
                provider_team,
                f"{provider.name} responder",
                f"responder@{provider.id}.example",
                title=f"{provider.name} responder",
            )
        )
        people = [responder]
        for user_id in provider.users:
            if user_id not in ws.people:
                ws.add_person(
                    Person(
                        user_id,
                        provider_team,
                        f"{provider.name} {user_id}",
                        title=f"{provider.name} responder",
                    )
                )
                people.append(user_id)
        for contact in provider.escalation_contacts:
            if contact.slack_user and contact.slack_user not in ws.people:
                title = f"{provider.name} escalation contact"
                ws.add_person(_contact_person(contact.slack_user, provider_team, contact, title))
                people.append(contact.slack_user)
        if not any(r.role == "provider responder" for r in roles):
            roles.append(Role(responder, "provider responder"))
        ws.add_channel(
            Channel(
                provider.paging_channel,
                f"{provider.id}-paging",
                True,
                team,
                members=[BOT_USER, *people, *cir_team],
                shared_with={provider_team},
            )
        )

    firsts = iter(FIRST_NAMES * 10)
    councils = [
        c
        for c in policy.councils.values()
        if c.slack_connect and c.contacts and c.platform is Platform.SLACK
    ]
    for council in councils:
        council_team = _team_of(council.id, council.slack_team_id)
        ws.add_team(council_team, council.name)
        contact = next((c for c in council.contacts if c.email), council.contacts[0])
        user_id = f"U0{_slug(council.id, 8)}1"
        person = _contact_person(user_id, council_team, contact, f"{council.name} contact")
        person.name = f"{next(firsts)} ({_bare(contact.name)}, {council.name})"
        ws.add_person(person)
        if len(roles) < 4:
            roles.append(Role(user_id, "council contact"))
        general = Channel(
            f"C0{_slug(council.id, 8)}GEN",
            f"{council.id}-general",
            False,
            council_team,
            members=[user_id],
        )
        ws.add_channel(general)
    if len(councils) > 1:  # a contact at another council: part of nothing that happens
        outsider = ws.people[f"U0{_slug(councils[-1].id, 8)}1"]
        roles.append(Role(outsider.id, "outsider"))
    return ws, roles
