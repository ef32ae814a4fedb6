"""The Teams app package: teams/manifest.json validates against Microsoft's published manifest
schema (v1.29, as Microsoft ships it in npm's `@microsoft/app-manifest`, installed by
scripts/teams-cards-js with the card tests' other node packages: the tests never reach the
internet), the icons are what Teams'
validator accepts, and `python -m bot teams-package` zips them with this deployment's app id."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image

from bot.app import cli
from bot.app.teams_package import (
    PLACEHOLDER,
    TEAMS_DIR,
    PackageError,
    build_package,
    manifest_for,
)

SCHEMA = (
    Path(__file__).parents[1]
    / "teams/js/node_modules/@microsoft/app-manifest/build/json-schemas/teams/v1.29"
    / "MicrosoftTeams.schema.json"
)
APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def _validator() -> jsonschema.Validator:
    if not SCHEMA.exists():
        why = "Microsoft's manifest schema is not installed: run scripts/teams-cards-js"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # The schema declares draft-04 but uses draft-06's `const` (manifestVersion); draft 7 reads
    # every keyword it uses, so `const` is enforced as Teams enforces it.
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(manifest: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator().iter_errors(manifest)
    ]


def _template() -> dict[str, Any]:
    return json.loads((TEAMS_DIR / "manifest.json").read_text(encoding="utf-8"))


def test_the_manifest_validates_against_microsofts_schema() -> None:
    assert _errors(_template()) == []


def test_the_manifest_targets_the_schema_kept_here() -> None:
    manifest = _template()
    assert manifest["manifestVersion"] == "1.29"
    assert manifest["$schema"].endswith("/v1.29/MicrosoftTeams.schema.json")


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.update(manifestVersion="1.17"),
        lambda m: m.update(id="not-a-guid"),
        lambda m: m["bots"][0].update(scopes=["team", "everyone"]),
        lambda m: m["name"].update(short="x" * 31),
        lambda m: m.pop("icons"),
        lambda m: m.update(accentColor="blue"),
    ],
)
def test_the_schema_check_catches_what_teams_refuses(change: Any) -> None:
    """The check is not vacuous: manifests Teams would refuse fail it."""
    manifest = _template()
    change(manifest)
    assert _errors(manifest) != []


def test_the_bot_offers_help_status_and_report_everywhere() -> None:
    (bot,) = _template()["bots"]
    assert set(bot["scopes"]) == {"team", "groupChat", "personal"}
    offered = {
        scope: [c["title"] for c in commands["commands"]]
        for commands in bot["commandLists"]
        for scope in commands["scopes"]
    }
    assert offered == {s: ["help", "status", "report"] for s in ("team", "groupChat", "personal")}


def test_color_icon_is_a_192_png() -> None:
    image = Image.open(TEAMS_DIR / _template()["icons"]["color"])
    assert image.format == "PNG"
    assert image.size == (192, 192)


def test_outline_icon_is_32_white_on_transparent() -> None:
    """Teams' rule: the outline is white (#FFFFFF) with a transparent background, no other
    colour; soft edges may vary only in transparency."""
    image = Image.open(TEAMS_DIR / _template()["icons"]["outline"])
    assert image.format == "PNG"
    assert image.size == (32, 32)
    rgba = image.convert("RGBA")
    pixels: list[tuple[int, int, int, int]] = [
        rgba.getpixel((x, y))  # type: ignore[misc]
        for y in range(32)
        for x in range(32)
    ]
    assert {p[:3] for p in pixels if p[3] > 0} == {(255, 255, 255)}
    corners = [pixels[0], pixels[31], pixels[31 * 32], pixels[-1]]
    assert [c[3] for c in corners] == [0, 0, 0, 0]
    assert sum(1 for p in pixels if p[3] == 255) > 50  # a visible symbol


def test_the_package_has_the_app_id_and_the_icons_at_its_root(tmp_path: Path) -> None:
    output = build_package(tmp_path / "app.zip", APP_ID, "https://cir-bot.example.gov.uk/x")
    with zipfile.ZipFile(output) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color = Image.open(io.BytesIO(package.read("color.png")))
    assert _errors(manifest) == []
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["cir-bot.example.gov.uk"]
    assert color.size == (192, 192)


def test_the_same_inputs_make_the_same_zip(tmp_path: Path) -> None:
    first = build_package(tmp_path / "a.zip", APP_ID).read_bytes()
    assert build_package(tmp_path / "b.zip", APP_ID).read_bytes() == first


@pytest.mark.parametrize("app_id", ["", "bot", PLACEHOLDER])
def test_no_package_without_a_real_app_id(app_id: str) -> None:
    with pytest.raises(PackageError, match="MICROSOFT_APP_ID"):
        manifest_for(_template(), app_id)


def test_the_template_is_left_as_it_was() -> None:
    template = _template()
    manifest_for(template, APP_ID, "https://cir.example.gov.uk")
    assert template == _template()


def test_command_writes_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    output = tmp_path / "cir.zip"
    assert cli.main(["teams-package", "--output", str(output)]) == 0
    assert zipfile.ZipFile(output).namelist()[0] == "manifest.json"
    assert "Upload" in capsys.readouterr().out


def test_command_without_an_app_id_says_so_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    output = tmp_path / "cir.zip"
    assert cli.main(["teams-package", "--output", str(output)]) == 2
    assert "MICROSOFT_APP_ID is not set" in capsys.readouterr().out
    assert not output.exists()
