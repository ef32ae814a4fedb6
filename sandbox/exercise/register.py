"""The exercise's own copy of config/: the shipped files, with the scenario's councils added to
the register and every council given a Slack workspace (`T0<COUNCIL>`, as the sandbox's cast
has it) so each council's contact is recognised as acting for it. The operator's config/ is
never written to."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from sandbox.exercise.cast import council_team
from sandbox.exercise.scenario import Scenario, ScenarioError

COUNCILS_FILE = "councils.yml"


def exercise_config(scenario: Scenario, source: Path, into: Path) -> Path:
    """Write the exercise's config directory at `into` (created) and return it."""
    into.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file():
            shutil.copy2(path, into / path.name)
    register: dict[str, Any] = yaml.safe_load((source / COUNCILS_FILE).read_text("utf-8")) or {}
    councils: list[dict[str, Any]] = list(register.get("councils") or [])
    known = {c.get("id") for c in councils}
    for added in scenario.councils:
        if added["id"] in known:
            raise ScenarioError(
                scenario.name, f"councils: {added['id']}", "is already in the register",
                "leave it out of the scenario's councils",
            )  # fmt: skip
        councils.append(dict(added))
    for council in councils:
        council.setdefault("slack_team_id", council_team(str(council["id"])))
    register["councils"] = councils
    (into / COUNCILS_FILE).write_text(yaml.safe_dump(register, sort_keys=False), "utf-8")
    return into


def all_scenarios_config(source: Path, into: Path, directory: Path | None = None) -> Path:
    """One register for every scenario in the folder (the sandbox starts once and may play any
    of them): the shipped councils and each scenario's own, every council with a workspace."""
    from sandbox.exercise.scenario import SCENARIOS_DIR, available, find, load_scenario

    folder = directory or SCENARIOS_DIR
    added: dict[str, Any] = {}
    for name in available(folder):
        for council in load_scenario(find(name, folder)).councils:
            added.setdefault(str(council["id"]), council)
    combined = Scenario("all", "all", "", 1.0, tuple(added.values()), ())
    return exercise_config(combined, source, into)
