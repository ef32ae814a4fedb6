import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR, load_settings
from bot.policy.errors import ConfigError
from bot.policy.load import load_policy
from bot.policy.shifts import london


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def test_shipped_config_loads(config_dir: Path) -> None:
    policy = load_policy(config_dir)
    assert "hackney" in policy.councils
    assert policy.ladder.contact_deadline == timedelta(minutes=30)
    assert [p.id for p in policy.providers_on_duty(london(date(2025, 8, 1)))] == ["accenture"]
    assert [p.id for p in policy.providers_on_duty(london(date(2026, 11, 23)))] == ["kpmg"]


def test_contact_deadline_override_scales_the_ladder(config_dir: Path) -> None:
    ladder = load_policy(config_dir, contact_deadline="90s").ladder
    assert ladder.contact_deadline == timedelta(seconds=90)
    assert [s.offset.total_seconds() for s in ladder.steps][:3] == [60, 90, 135]


def test_bad_contact_deadline_names_the_variable(config_dir: Path) -> None:
    with pytest.raises(ConfigError, match="CIR_CONTACT_DEADLINE.*30m"):
        load_policy(config_dir, contact_deadline="half an hour")


@pytest.mark.parametrize(
    ("file", "find", "replace", "expect"),
    [
        (
            "providers.yml",
            "providers: [kpmg]",
            "providers: [deloitte]",
            r"providers.yml: rota\[1\].providers\[0\]: unknown provider 'deloitte'",
        ),
        (
            "councils.yml",
            "email: ciso@hackney.example",
            "email: not-an-email",
            r"councils.yml: councils\[1\].contacts\[0\].email",
        ),
        (
            "escalation.yml",
            "kind: reminder",
            "kind: nag",
            r"escalation.yml: steps\[0\].kind: unknown kind 'nag'",
        ),
        (
            "escalation.yml",
            "contact_deadline: 30m",
            "contact_deadline: soon",
            r"escalation.yml: contact_deadline",
        ),
        (
            "mhclg.yml",
            "four_eyes: false",
            "four_eyes: maybe",
            r"mhclg.yml: four_eyes: expected true or false",
        ),
        ("councils.yml", "councils:", "councils: [", r"councils.yml: line \d+: not valid YAML"),
    ],
)
def test_broken_config_names_file_key_and_fix(
    config_dir: Path, file: str, find: str, replace: str, expect: str
) -> None:
    path = config_dir / file
    text = path.read_text()
    assert find in text
    path.write_text(text.replace(find, replace, 1))
    with pytest.raises(ConfigError, match=expect) as err:
        load_policy(config_dir)
    assert "Fix:" in str(err.value)


def test_missing_file_is_named(config_dir: Path) -> None:
    (config_dir / "mhclg.yml").unlink()
    with pytest.raises(ConfigError, match="mhclg.yml.*missing"):
        load_policy(config_dir)


def test_settings_defaults_and_bad_port() -> None:
    settings = load_settings({})
    assert settings.port == 3000
    assert not settings.slack_enabled
    with pytest.raises(ConfigError, match="PORT"):
        load_settings({"PORT": "eighty"})
    assert "xoxb" not in repr(load_settings({"SLACK_BOT_TOKEN": "xoxb-secret"}))
