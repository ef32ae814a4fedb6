"""The Slack app manifest against the code: an admin pastes slack/manifest.yml to create the app,
so a command, shortcut, event or scope the code relies on but the manifest lacks would only show
up in production, as a silent no-op or a `missing_scope` error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from handlers.slack.app import GROUPS, PATH
from handlers.slack.ids import Command, Shortcut
from handlers.slack.listeners.notes import ADD_TO_TIMELINE

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "slack" / "manifest.yml"
SLACK_EDGE = ROOT / "handlers" / "slack"
MESSAGE_SHORTCUT = "add_to_timeline"

# Bot scopes each Web API method needs, as Slack's method reference lists them for the way this
# bot calls it (channels are private, so conversations.* need the groups:* scopes). An empty
# tuple: the method needs no scope (views.* only need a trigger or the Home tab).
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.getPermalink": (),
    "conversations.create": ("groups:write",),
    "conversations.invite": ("groups:write",),
    "conversations.setTopic": ("groups:write",),
    "conversations.setPurpose": ("groups:write",),
    "conversations.info": ("groups:read",),
    "conversations.members": ("groups:read",),
    "conversations.open": ("im:write",),
    "conversations.inviteShared": ("conversations.connect:write",),
    "pins.add": ("pins:write",),
    "users.info": ("users:read", "users:read.email"),  # the profile's email names the person
    "users.lookupByEmail": ("users:read.email",),
    "usergroups.users.list": ("usergroups:read",),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "files.upload.v2": ("files:write",),  # slack_sdk's helper over the two calls above
}

# Scopes an event subscription needs before Slack delivers it for private channels.
EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "app_home_opened": (),
    "member_joined_channel": ("groups:read",),
    "shared_channel_invite_accepted": (),
    "shared_channel_invite_approved": (),
    "shared_channel_invite_declined": (),
}

# Scopes that no Web API call needs but a manifest feature does.
FEATURE_SCOPES = {"commands": "the /cir command and the two shortcuts"}

_CLIENT_CALL = re.compile(r"\b_?client\.([A-Za-z][A-Za-z0-9_]*)\(")  # client. and self._client.
_SAFE_CALL = re.compile(r"""_safe\(\s*["']([A-Za-z][A-Za-z0-9_]*)["']""")
_EVENT = re.compile(r"""@app\.event\(\s*["']([a-z_]+)["']""")
_SUBCOMMAND = re.compile(r"""\bsub == ["']([a-z]+)["']""")


def _sources(folder: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.py"))}


def methods_called(folder: Path = SLACK_EDGE) -> dict[str, list[str]]:
    """Web API method name -> files that call it; `conversations_inviteShared` (the SDK's
    spelling) becomes `conversations.inviteShared` (Slack's)."""
    found: dict[str, list[str]] = {}
    for path, text in _sources(folder).items():
        for name in _CLIENT_CALL.findall(text) + _SAFE_CALL.findall(text):
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            found.setdefault(name.replace("_", "."), []).append(str(where))
    return found


def events_listened(folder: Path = SLACK_EDGE / "listeners") -> set[str]:
    return {e for text in _sources(folder).values() for e in _EVENT.findall(text)}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scopes(manifest: dict[str, Any]) -> set[str]:
    return set(manifest["oauth_config"]["scopes"]["bot"])


def test_manifest_format_version_and_http_mode(manifest: dict[str, Any]) -> None:
    assert manifest["_metadata"] == {"major_version": 1, "minor_version": 1}
    assert manifest["display_information"]["name"] == "CIR bot"
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_the_cir_command_is_declared_with_every_subcommand_in_its_hint(
    manifest: dict[str, Any],
) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {Command.CIR.value}
    hint = set(re.findall(r"[a-z][a-z-]*", commands[Command.CIR.value]["usage_hint"]))
    built_in = set(_SUBCOMMAND.findall((SLACK_EDGE / "listeners" / "commands.py").read_text()))
    assert "report" in built_in, 'no `sub == "report"` in commands.py: has the parser moved?'
    offered = {name for group in GROUPS for name in getattr(group, "SUBCOMMANDS", {})}
    missing = (built_in | offered | {"help"}) - hint
    assert not missing, f"/cir handles {sorted(missing)} but the usage hint does not list them"


def test_both_shortcuts_use_the_callback_ids_the_code_listens_for(
    manifest: dict[str, Any],
) -> None:
    shortcuts = {s["callback_id"]: s for s in manifest["features"]["shortcuts"]}
    assert shortcuts[Shortcut.REPORT_INCIDENT.value]["type"] == "global"
    assert shortcuts[Shortcut.REPORT_INCIDENT.value]["name"] == "Report a cyber incident"
    assert ADD_TO_TIMELINE == MESSAGE_SHORTCUT, "the listener and the manifest must agree"
    assert shortcuts[MESSAGE_SHORTCUT]["type"] == "message"
    assert shortcuts[MESSAGE_SHORTCUT]["name"] == "Add to timeline"


def test_every_request_url_is_the_one_endpoint_the_bot_mounts(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    urls = [c["url"] for c in manifest["features"]["slash_commands"]] + [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
    ]
    assert len(urls) == 4
    for url in urls:
        assert url.startswith("https://"), url
        assert url.endswith(PATH), f"{url} does not end in {PATH}"


def test_every_event_the_code_listens_for_is_subscribed(manifest: dict[str, Any]) -> None:
    listened = events_listened()
    assert "app_home_opened" in listened, "the event scanner found nothing: has @app.event moved?"
    subscribed = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    missing = listened - subscribed
    assert not missing, f"listeners for {sorted(missing)} would never be called: subscribe them"


def test_every_subscribed_event_has_a_listener(manifest: dict[str, Any]) -> None:
    """Slack answers an event with no listener 404, counts it as a failed delivery, retries it
    and may turn the subscription off."""
    subscribed = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    unhandled = subscribed - events_listened()
    assert not unhandled, f"{sorted(unhandled)} are subscribed but nothing listens: unsubscribe"


def test_every_scope_asked_for_is_used(manifest: dict[str, Any], scopes: set[str]) -> None:
    """An app asks for what it uses and nothing more: a workspace admin reads this list."""
    used = {scope for method in methods_called() for scope in METHOD_SCOPES.get(method, ())}
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        used |= set(EVENT_SCOPES.get(event, ()))
    unused = scopes - used - set(FEATURE_SCOPES)
    assert not unused, f"{sorted(unused)} are asked for but no call or event needs them"


def test_every_subscribed_event_has_the_scopes_it_needs(
    manifest: dict[str, Any], scopes: set[str]
) -> None:
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert event in EVENT_SCOPES, f"add {event!r} and its scopes to EVENT_SCOPES"
        needed = set(EVENT_SCOPES[event]) - scopes
        assert not needed, f"{event} needs {sorted(needed)} in oauth_config.scopes.bot"


def test_every_web_api_method_called_has_its_scopes_in_the_manifest(scopes: set[str]) -> None:
    called = methods_called()
    sure = {"views.open", "conversations.create", "conversations.inviteShared", "users.info"}
    assert sure <= set(called), (
        "the call scanner missed calls it should see: has the client been renamed?"
    )
    unknown = sorted(set(called) - set(METHOD_SCOPES))
    assert not unknown, (
        f"handlers/slack calls {unknown} ({[called[m][0] for m in unknown]}): look up each "
        "method's bot scopes on https://docs.slack.dev/reference/methods, add it to "
        "METHOD_SCOPES in tests/unit/test_manifest.py and the scopes to slack/manifest.yml"
    )
    for method, files in sorted(called.items()):
        needed = set(METHOD_SCOPES[method]) - scopes
        assert not needed, f"{method} (called in {files[0]}) needs {sorted(needed)}"


def test_the_scanner_converts_sdk_names_and_reports_unknown_methods(tmp_path: Path) -> None:
    (tmp_path / "room.py").write_text(
        "await self.client.conversations_inviteShared(channel=c)\n"
        'await self._safe("usergroups_users_list", usergroup=g)\n'
        "await deps.client.reactions_add(name='eyes')\n"
        "info = await self._client.users_info(user=u)\n"
    )
    called = methods_called(tmp_path)
    assert set(called) == {
        "conversations.inviteShared",
        "usergroups.users.list",
        "reactions.add",
        "users.info",
    }
    assert "reactions.add" not in METHOD_SCOPES  # so a real call would fail the check above
