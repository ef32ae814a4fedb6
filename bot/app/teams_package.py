"""`python -m bot teams-package`: the Teams app package an administrator uploads (Teams admin
center, or "Upload a custom app"): a zip of teams/manifest.json with this deployment's app id
filled in, and the two icons beside it at the zip's root, as Teams requires.

The manifest in the repository carries the all-zero GUID where the app id goes (it must still
be a GUID to pass Microsoft's schema in the tests). The app id is MICROSOFT_APP_ID, the bot's
Entra app registration; the same id names the Teams app and its bot. CIR_PUBLIC_URL, when set,
puts the bot's host in validDomains (links on cards open without a warning)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.app.settings import Settings

TEAMS_DIR = Path(__file__).resolve().parents[2] / "teams"
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
DEFAULT_OUTPUT = "cir-bot-teams.zip"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # the same inputs make the same zip, byte for byte


class PackageError(Exception):
    """Why no package was written, in words for the person running the command."""


def manifest_for(template: dict[str, Any], app_id: str, public_url: str = "") -> dict[str, Any]:
    """The manifest with this deployment's app id (and host) in place of the placeholders."""
    if not app_id:
        raise PackageError(
            "MICROSOFT_APP_ID is not set: set it to the bot's Entra app registration id "
            "(Azure portal -> the Azure Bot -> Configuration -> Microsoft App ID)"
        )
    if not _GUID.match(app_id) or app_id == PLACEHOLDER:
        raise PackageError(f"MICROSOFT_APP_ID {app_id!r} is not an app id (a GUID)")
    manifest: dict[str, Any] = json.loads(json.dumps(template))  # a deep copy
    manifest["id"] = app_id
    for bot in manifest.get("bots", []):
        bot["botId"] = app_id
    host = urlsplit(public_url).hostname if public_url else None
    if public_url and not host:
        raise PackageError(f"CIR_PUBLIC_URL {public_url!r} is not a URL (https://host/...)")
    if host and host not in manifest.setdefault("validDomains", []):
        manifest["validDomains"].append(host)
    return manifest


def build_package(
    output: Path, app_id: str, public_url: str = "", source: Path = TEAMS_DIR
) -> Path:
    manifest_path = source / "manifest.json"
    if not manifest_path.is_file():
        raise PackageError(f"{manifest_path} not found: run this from a checkout of the repository")
    template = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest = manifest_for(template, app_id, public_url)
    icons = [manifest["icons"]["color"], manifest["icons"]["outline"]]
    for icon in icons:
        if not (source / icon).is_file():
            raise PackageError(f"{source / icon} not found (the manifest names it)")
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as package:
        body = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        package.writestr(zipfile.ZipInfo("manifest.json", _FIXED_TIME), body)
        for icon in icons:
            package.writestr(zipfile.ZipInfo(icon, _FIXED_TIME), (source / icon).read_bytes())
    return output


def run_teams_package(settings: Settings, output: str | None) -> int:
    target = Path(output or DEFAULT_OUTPUT)
    try:
        build_package(target, settings.teams_app_id, settings.public_url)
    except PackageError as exc:
        print(f"cir-bot: no package written: {exc}")
        return 2
    print(
        f"wrote {target}: upload it in the Teams admin center (Teams apps -> Manage apps -> "
        "Upload new app) or in Teams (Apps -> Manage your apps -> Upload an app)"
    )
    return 0
