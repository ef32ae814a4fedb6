"""Cross-checks of the Teams side of the configuration, beyond what each entry says alone.

Errors stop start-up (and `check-config`), because a mistake here decides who may act for whom
or whether a provider can be reached at all:
- two organisations in one tenant: a Teams user acts for the organisation its tenant belongs to,
  so a shared tenant would let one organisation's people act for the other;
- a provider on Teams whose escalation contacts cannot be reached: it has no Slack, so each one
  needs a Teams user id, an email address or a phone number, and there must be at least one.

Warnings are for `check-config` to print: organisations on Teams with no Teams app configured
(MICROSOFT_APP_ID), and a service_url whose host is not one of Microsoft's Bot Connector hosts
(a test or sandbox stand-in is fine; a typo would fail every proactive message)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.domain.bindings import Platform
from bot.policy.errors import ConfigError
from bot.policy.model import Contact, Policy, TeamsPlace

# Bot Connector hosts Teams gives as serviceUrl: the public cloud (with a region path such as
# /uk/, /emea/, /amer/, /teams/) and the US government clouds (GCC, GCC High, DoD).
KNOWN_SERVICE_HOSTS = frozenset(
    {
        "smba.trafficmanager.net",
        "smba.infra.gcc.teams.microsoft.com",
        "smba.infra.gov.teams.microsoft.us",
        "smba.infra.dod.teams.microsoft.us",
    }
)


@dataclass(frozen=True)
class _TeamsOrg:
    file: str
    key: str  # e.g. councils[3]
    label: str  # e.g. council 'leeds'
    place: TeamsPlace


def _teams_orgs(policy: Policy, directory: Path) -> Iterator[_TeamsOrg]:
    for i, council in enumerate(policy.councils.values()):
        if council.teams is not None:
            yield _TeamsOrg(
                str(directory / "councils.yml"),
                f"councils[{i}]",
                f"council {council.id!r}",
                council.teams,
            )
    for i, provider in enumerate(policy.providers.values()):
        if provider.teams is not None:
            yield _TeamsOrg(
                str(directory / "providers.yml"),
                f"providers[{i}]",
                f"provider {provider.id!r}",
                provider.teams,
            )


def check_teams(policy: Policy, directory: Path) -> None:
    """Raises ConfigError for the first mistake (see the module's docstring)."""
    seen: dict[str, _TeamsOrg] = {}
    for org in _teams_orgs(policy, directory):
        tenant = org.place.tenant_id.lower()
        if tenant in seen:
            raise ConfigError(
                org.file,
                f"{org.key}.teams.tenant_id",
                f"tenant {org.place.tenant_id} is also {seen[tenant].label}'s: a Teams user acts "
                "for the organisation of their tenant, so each organisation needs its own",
                "give each organisation its own Microsoft 365 tenant id",
            )
        seen[tenant] = org
    for i, provider in enumerate(policy.providers.values()):
        if provider.platform is Platform.TEAMS:
            _reachable(str(directory / "providers.yml"), i, provider.escalation_contacts)


def _reachable(file: str, index: int, contacts: tuple[Contact, ...]) -> None:
    key = f"providers[{index}].escalation_contacts"
    if not contacts:
        raise ConfigError(
            file,
            key,
            "a provider on Teams has no escalation contacts, so a missed deadline reaches nobody",
            "add escalation contacts with teams_user (their Entra object id), email or phone",
        )
    for j, contact in enumerate(contacts):
        if not (contact.teams_user or contact.email or contact.phone):
            raise ConfigError(
                file,
                f"{key}[{j}]",
                f"{contact.name} cannot be reached: a provider on Teams is not on Slack, "
                "so slack_user alone reaches nobody",
                "add teams_user (their Entra object id), email or phone",
            )


def teams_warnings(policy: Policy, directory: Path, app_id: str) -> list[str]:
    """What `check-config` warns of (see the module's docstring)."""
    warnings: list[str] = []
    on_teams = [
        f"council {c.id!r}" for c in policy.councils.values() if c.platform is Platform.TEAMS
    ] + [f"provider {p.id!r}" for p in policy.providers.values() if p.platform is Platform.TEAMS]
    if on_teams and not app_id:
        warnings.append(
            f"warning: {len(on_teams)} organisation(s) on Teams ({', '.join(on_teams)}) but "
            "MICROSOFT_APP_ID is not set: the bot will not serve Teams and cannot reach them. "
            "Fix: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD to the bot's app registration."
        )
    for org in _teams_orgs(policy, directory):
        url = org.place.service_url
        host = (urlsplit(url).hostname or "") if url else ""
        if url and host not in KNOWN_SERVICE_HOSTS:
            warnings.append(
                f"warning: {org.file}: {org.key}.teams.service_url: {host!r} is not a Microsoft "
                f"Bot Connector host ({', '.join(sorted(KNOWN_SERVICE_HOSTS))}); proactive "
                f"messages to {org.label} will fail unless it is a stand-in. Fix: use the "
                "serviceUrl Teams sends, e.g. https://smba.trafficmanager.net/uk/, or leave it "
                "out to use the one learnt when the app is installed."
            )
    return warnings
