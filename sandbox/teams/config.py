"""The sandbox's configuration with some organisations on Teams: a copy of the config it would
use, where each named council or provider says `platform: teams` and a tenant of its own, and
its contacts carry a Teams user id (so personal chats reach them). Ids are derived from the
organisation's id, so a restart gives the same people.

The bot reads the copy as it reads any config/: nothing in it knows it is a sandbox."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.policy.errors import ConfigError

DEFAULT_TEAMS_ORGS = ("bristol",)  # a council not on Slack Connect: nothing on Slack changes
_NAMESPACE = uuid.UUID("6f1d7c2e-4b1a-4c55-9a51-3c1e2b7d0a11")


def tenant_of(org_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"tenant:{org_id}"))


def teams_user_of(org_id: str, name: str) -> str:
    """The Entra object id the sandbox gives an organisation's person."""
    return str(uuid.uuid5(_NAMESPACE, f"user:{org_id}:{name}"))


def _flip(entry: dict[str, Any], contacts_key: str) -> None:
    org_id = str(entry["id"])
    entry["platform"] = "teams"
    # no service_url: the bot learns the stand-in's (http, on loopback) when the app is
    # installed, as it learns Teams' own; config/ only takes Microsoft's https ones
    entry["teams"] = {"tenant_id": tenant_of(org_id)}
    for contact in entry.get(contacts_key) or []:
        if isinstance(contact, dict) and not contact.get("teams_user"):
            contact["teams_user"] = teams_user_of(org_id, str(contact.get("name", "")))


def _rewrite(path: Path, key: str, contacts_key: str, wanted: set[str]) -> set[str]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for entry in document.get(key) or []:
        if isinstance(entry, dict) and entry.get("id") in wanted:
            _flip(entry, contacts_key)
            found.add(str(entry["id"]))
    if found:
        path.write_text(
            yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
    return found


def teams_config(source: Path, target: Path, org_ids: Sequence[str]) -> Path:
    """`source` copied to `target` with `org_ids` on Teams; an id that is no council or
    provider there stops the sandbox with a ConfigError naming it."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    wanted = set(org_ids)
    found = _rewrite(target / "councils.yml", "councils", "contacts", wanted)
    found |= _rewrite(target / "providers.yml", "providers", "escalation_contacts", wanted)
    unknown = sorted(wanted - found)
    if unknown:
        raise ConfigError(
            "--teams",
            "(sandbox)",
            f"no council or provider {', '.join(map(repr, unknown))} in {source}",
            "name councils or providers by their id in councils.yml or providers.yml",
        )
    return target
