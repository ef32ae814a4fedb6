"""Scenario files: the shipped ones load against the shipped configuration, and a bad file is
refused before the exercise starts, naming the file, the place and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.policy.load import load_policy
from bot.policy.model import Policy
from sandbox.exercise.register import exercise_config
from sandbox.exercise.scenario import (
    ScenarioError,
    available,
    find,
    load_scenario,
    parse_scenario,
)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(DEFAULT_CONFIG_DIR)


def test_the_three_shipped_scenarios_load_and_play_against_their_register(
    policy: Policy, tmp_path: Path
) -> None:
    assert {"ransomware", "missed-contact", "mass-event"} <= set(available())
    for name in ("ransomware", "missed-contact", "mass-event"):
        scenario = load_scenario(find(name))
        config = exercise_config(scenario, DEFAULT_CONFIG_DIR, tmp_path / name)
        loaded = load_scenario(find(name), load_policy(config))  # councils and answers checked
        assert loaded.steps == scenario.steps
        assert scenario.speed == 10
    ransomware = load_scenario(find("ransomware"), policy)
    [inject] = [s for s in ransomware.steps if s.at == 40]
    assert (inject.by, inject.do, inject.council) == ("council", "say", "hackney")
    assert "still active" in inject.args["text"]
    missed = load_scenario(find("missed-contact"), policy)
    assert "contact" not in {s.do for s in missed.steps}  # so the ladder runs its course


def test_the_mass_event_refers_20_councils_within_five_minutes() -> None:
    scenario = load_scenario(find("mass-event"))
    referrals = [s for s in scenario.steps if s.do == "refer"]
    assert len({s.council for s in referrals}) == 20
    assert max(s.at for s in referrals) < 5
    assert min(s.at for s in referrals) == 0
    assert len(scenario.councils) == 11


@pytest.mark.parametrize(
    ("raw", "where", "fix"),
    [
        ("steps: []", "title", "give the exercise a title"),
        ("title: T\nspeed: 0\nsteps: [{at: 0, by: assessor, do: refer, council: hackney}]",
         "speed", "use 1 to 1000"),
        ("title: T\nsteps: [{at: 0, by: assessor, do: activat, council: hackney}]",
         "steps[0].do", "use one of refer, assess"),
        ("title: T\nsteps: [{at: -1, by: assessor, do: refer, council: hackney}]",
         "steps[0].at", "service-clock minutes"),
        ("title: T\nsteps: [{at: 0, by: council, do: activate, council: hackney}]",
         "steps[0].by", "cast one of assessor"),
        ("title: T\nsteps: [{at: 0, by: assessor, do: refer, council: atlantis}]",
         "steps[0].council", "config/councils.yml"),
        ("title: T\nsteps: [{at: 0, by: council, do: say, council: hackney}]",
         "steps[0].text", "add text"),
        ("title: T\nsteps: [{at: 0, by: assessor, do: decide, council: hackney, decision: maybe,"
         " rationale: R}]", "steps[0].decision", "pick one of them"),
        ("title: T\nsteps: [{at: 0, by: assessor, do: assess, council: hackney,"
         " answers: {colour: blue}}]", "steps[0].answers.colour", "use one of status"),
        ("title: T\nsteps: [{at: 0, by: assessor, do: refer, council: hackney, wat: 1}]",
         "steps[0].wat", "use only"),
        ("title: [unclosed", "line 1", "indentation"),
    ],
)  # fmt: skip
def test_a_bad_scenario_is_refused_naming_the_place_and_the_fix(
    policy: Policy, tmp_path: Path, raw: str, where: str, fix: str
) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(raw, encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path, policy)
    message = str(refused.value)
    assert message.startswith(str(path))
    assert where in message
    assert fix in message


def test_an_unknown_scenario_names_the_ones_there_are() -> None:
    with pytest.raises(ScenarioError, match="use one of: .*mass-event.*ransomware"):
        find("zombies")


def test_parse_refuses_a_list_at_the_top() -> None:
    with pytest.raises(ScenarioError, match="is not a mapping"):
        parse_scenario(["steps"], "x.yml", "x")
