"""The Teams side of the configuration: what stops start-up (each organisation on Teams in a
tenant of its own, with a tenant id; a provider on Teams reachable by its escalation contacts)
and what `check-config` warns of (no MICROSOFT_APP_ID, an unknown Bot Connector host)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app.cli import main
from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.bindings import Platform
from bot.policy.errors import ConfigError
from bot.policy.load import load_policy
from bot.policy.teams_checks import teams_warnings

COUNCIL_TENANT = "0a1b2c3d-1111-4222-8333-444455556666"
PROVIDER_TENANT = "9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff"

TEAMS_COUNCIL = f"""
  - id: teamsborough
    code: E07000999
    name: Teamsborough District Council
    type: Non-metropolitan district
    region: South East
    warp: SE WARP
    platform: teams
    teams: {{tenant_id: {COUNCIL_TENANT}, service_url: "https://smba.trafficmanager.net/uk/"}}
    contacts:
      - name: Head of IT
        email: it@teamsborough.example
        teams_user: 5d1e2f3a-0000-4000-8000-000000000001
"""

TEAMS_PROVIDER = f"""
  - id: teamsprovider
    name: Teams Provider Ltd
    platform: teams
    teams: {{tenant_id: {PROVIDER_TENANT}}}
    escalation_contacts:
      - {{name: Duty lead, teams_user: 5d1e2f3a-0000-4000-8000-000000000002}}
      - {{name: Out of hours, phone: "07700 900099"}}
"""


def _insert(path: Path, after: str, block: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert after in text
    path.write_text(text.replace(after, after + block.rstrip("\n"), 1), encoding="utf-8")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """The shipped config with a council and a provider on Teams added."""
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    _insert(target / "councils.yml", "councils:", TEAMS_COUNCIL)
    _insert(target / "providers.yml", "providers:", TEAMS_PROVIDER)
    return target


def _edit(config_dir: Path, file: str, find: str, replace: str) -> None:
    path = config_dir / file
    text = path.read_text(encoding="utf-8")
    assert find in text
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")


def test_a_council_and_a_provider_on_teams_load(config_dir: Path) -> None:
    policy = load_policy(config_dir)
    council = policy.councils["teamsborough"]
    provider = policy.providers["teamsprovider"]
    assert council.platform is Platform.TEAMS
    assert council.teams is not None
    assert council.teams.tenant_id == COUNCIL_TENANT
    assert provider.platform is Platform.TEAMS
    assert provider.paging_channel == ""
    assert teams_warnings(policy, config_dir, "3f2504e0-4f89-41d3-9a0c-0305e82c3301") == []


def test_an_organisation_on_teams_needs_a_tenant(config_dir: Path) -> None:
    _edit(config_dir, "councils.yml", f"teams: {{tenant_id: {COUNCIL_TENANT}, ", "teams: {")
    with pytest.raises(ConfigError, match=r"councils\[0\]\.teams\.tenant_id: is required"):
        load_policy(config_dir)


def test_a_tenant_id_must_be_a_guid(config_dir: Path) -> None:
    _edit(config_dir, "councils.yml", COUNCIL_TENANT, "teamsborough.onmicrosoft.com")
    with pytest.raises(ConfigError, match=r"councils\[0\]\.teams\.tenant_id"):
        load_policy(config_dir)


def test_two_organisations_cannot_share_a_tenant(config_dir: Path) -> None:
    _edit(config_dir, "providers.yml", PROVIDER_TENANT, COUNCIL_TENANT.upper())
    with pytest.raises(ConfigError) as raised:
        load_policy(config_dir)
    assert raised.value.file.endswith("providers.yml")
    assert raised.value.key == "providers[0].teams.tenant_id"
    assert "council 'teamsborough'" in raised.value.problem


def test_two_councils_cannot_share_a_tenant(config_dir: Path) -> None:
    second = TEAMS_COUNCIL.replace("teamsborough", "otherborough").replace("E07000999", "E07000998")
    _insert(config_dir / "councils.yml", "councils:", second)
    with pytest.raises(ConfigError, match=r"councils\[1\]\.teams\.tenant_id.*otherborough"):
        load_policy(config_dir)


def test_a_provider_on_teams_needs_escalation_contacts(config_dir: Path) -> None:
    _edit(
        config_dir,
        "providers.yml",
        """      - {name: Duty lead, teams_user: 5d1e2f3a-0000-4000-8000-000000000002}
      - {name: Out of hours, phone: "07700 900099"}""",
        "      []",
    )
    text = (config_dir / "providers.yml").read_text(encoding="utf-8")
    (config_dir / "providers.yml").write_text(
        text.replace("escalation_contacts:\n      []", "escalation_contacts: []"), "utf-8"
    )
    with pytest.raises(ConfigError, match=r"providers\[0\]\.escalation_contacts: .*reaches nobody"):
        load_policy(config_dir)


def test_a_teams_providers_contact_on_slack_only_cannot_be_reached(config_dir: Path) -> None:
    _edit(
        config_dir,
        "providers.yml",
        '{name: Out of hours, phone: "07700 900099"}',
        "{name: Out of hours, slack_user: U0OOH}",
    )
    with pytest.raises(ConfigError) as raised:
        load_policy(config_dir)
    assert raised.value.key == "providers[0].escalation_contacts[1]"
    assert "Out of hours cannot be reached" in raised.value.problem


def test_a_slack_providers_contact_may_be_on_slack_only(config_dir: Path) -> None:
    _edit(
        config_dir,
        "providers.yml",
        "platform: teams\n    teams: {tenant_id: " + PROVIDER_TENANT + "}\n",
        "paging_channel: C0TP\n",
    )
    _edit(
        config_dir,
        "providers.yml",
        '{name: Out of hours, phone: "07700 900099"}',
        "{name: Out of hours, slack_user: U0OOH}",
    )
    assert load_policy(config_dir).providers["teamsprovider"].platform is Platform.SLACK


def test_warns_when_organisations_are_on_teams_without_an_app_id(config_dir: Path) -> None:
    (warning,) = teams_warnings(load_policy(config_dir), config_dir, "")
    assert "MICROSOFT_APP_ID is not set" in warning
    assert "council 'teamsborough'" in warning
    assert "provider 'teamsprovider'" in warning


def test_no_teams_warning_for_a_slack_only_config() -> None:
    assert teams_warnings(load_policy(DEFAULT_CONFIG_DIR), DEFAULT_CONFIG_DIR, "") == []


@pytest.mark.parametrize(
    "url",
    ["https://smba.trafficmanager.net/emea/", "https://smba.infra.gcc.teams.microsoft.com/"],
)
def test_microsofts_connector_hosts_are_known(config_dir: Path, url: str) -> None:
    _edit(config_dir, "councils.yml", "https://smba.trafficmanager.net/uk/", url)
    assert teams_warnings(load_policy(config_dir), config_dir, "app") == []


@pytest.mark.parametrize(
    "url", ["https://smba.trafficmanager.com/uk/", "https://127.0.0.1:9000/teams/"]
)
def test_warns_of_an_unknown_connector_host(config_dir: Path, url: str) -> None:
    _edit(config_dir, "councils.yml", "https://smba.trafficmanager.net/uk/", url)
    (warning,) = teams_warnings(load_policy(config_dir), config_dir, "app")
    assert r"councils[0].teams.service_url" in warning
    assert "not a Microsoft Bot Connector host" in warning


def test_a_service_url_must_be_https(config_dir: Path) -> None:
    _edit(
        config_dir,
        "councils.yml",
        "https://smba.trafficmanager.net/uk/",
        "http://smba.trafficmanager.net/uk/",
    )
    with pytest.raises(ConfigError, match=r"councils\[0\]\.teams\.service_url"):
        load_policy(config_dir)


def test_check_config_prints_the_teams_warnings(
    config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    _edit(config_dir, "councils.yml", "https://smba.trafficmanager.net/uk/", "https://x.test/")
    monkeypatch.setenv("CIR_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cir.db'}")
    monkeypatch.setenv("CIR_AUTO_MIGRATE", "1")
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "configuration OK (10 councils)" in out
    assert "MICROSOFT_APP_ID is not set" in out
    assert "'x.test' is not a Microsoft Bot Connector host" in out


def test_check_config_refuses_a_shared_tenant(
    config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    _edit(config_dir, "providers.yml", PROVIDER_TENANT, COUNCIL_TENANT)
    monkeypatch.setenv("CIR_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cir.db'}")
    assert main(["check-config"]) == 2
    assert "each organisation its own Microsoft 365 tenant id" in capsys.readouterr().err
