"""Recipient kinds are one enum: the policy loader accepts exactly its values and the firing
has one way of reaching each, so a kind added to one cannot be missing from the other."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.policy.errors import ConfigError
from bot.policy.load import NOTIFY_TARGETS, load_policy
from bot.policy.model import RecipientKind
from bot.usecases.firing.recipients import REACH


def test_every_recipient_kind_has_one_way_to_be_reached() -> None:
    assert set(REACH) == set(RecipientKind)
    assert {kind.value for kind in RecipientKind} == NOTIFY_TARGETS


def test_the_loaded_ladder_names_recipients_by_the_enum() -> None:
    ladder = load_policy(DEFAULT_CONFIG_DIR).ladder
    kinds = {kind for step in ladder.steps for kind in step.notify}
    assert kinds
    assert all(isinstance(kind, RecipientKind) for kind in kinds)


def test_an_unknown_recipient_is_refused_naming_the_file_and_the_choices(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    ladder = config / "escalation.yml"
    ladder.write_text(ladder.read_text().replace("duty_manager,", "duty_mangler,", 1))
    with pytest.raises(ConfigError) as refused:
        load_policy(config)
    message = str(refused.value)
    assert "escalation.yml" in message
    assert "duty_mangler" in message
    assert all(kind.value in message for kind in RecipientKind)
