"""A scenario file, read and checked before anything is played.

A scenario is a start state (councils added to the register for the exercise) and steps: who
does what at which minute of the service's clock, counted from the start of the exercise. A
mistake is refused with the file, the place in it, what is wrong and how to fix it, before the
exercise starts, so nobody finds out at minute 40 that an inject was misspelt.

    title: Ransomware at one council
    speed: 10                     # the speed it is meant to be played at (--speed overrides)
    councils: []                  # councils added to the register for this exercise
    steps:
      - {at: 0, by: assessor, do: refer, council: hackney, what: "Files encrypted"}
      - {at: 40, by: council, do: say, council: hackney, text: "The attacker is still active"}

One step can stand for many councils: `councils: [a, b, c]` with `within: 5` plays the step for
each, spread evenly over five minutes (a mass event).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.domain.exercise import MAX_SPEED
from bot.policy.model import Policy

SCENARIOS_DIR = Path(__file__).resolve().parents[1] / "scenarios"

# what each action needs besides at/by/do/council, and who may be cast in it
ACTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "refer": (frozenset(), frozenset({"assessor", "duty_manager"})),
    "assess": (frozenset({"answers"}), frozenset({"assessor"})),
    "decide": (frozenset({"decision", "rationale"}), frozenset({"assessor"})),
    "override_mou": (frozenset({"reason"}), frozenset({"assessor"})),
    "activate": (frozenset(), frozenset({"assessor"})),
    "acknowledge": (frozenset(), frozenset({"provider"})),
    "contact": (frozenset(), frozenset({"provider"})),
    "say": (frozenset({"text"}), frozenset(ROLE for ROLE in ("assessor", "duty_manager",
                                                               "provider", "council", "outsider"))),
}  # fmt: skip
OPTIONAL = {
    "refer": {"what", "services", "attacker_active", "personal_data", "ncsc_reference"},
    "decide": {"missing"},
    "activate": {"provider"},
    "contact": {"method", "notes"},
    "say": {"in"},
}
COMMON = {"at", "by", "do", "council", "councils", "within", "note"}
DECISIONS = ("activate", "monitor", "need_more_info")
CHOICES = ("on_duty", "other", "both")
METHODS = ("phone", "video", "on_site", "email")
PLACES = ("incident", "triage")
YES_NO = ("yes", "no", "unknown")


class ScenarioError(ValueError):
    def __init__(self, path: str, where: str, problem: str, fix: str) -> None:
        super().__init__(f"{path}: {where}: {problem}. Fix: {fix}.")
        self.path, self.where, self.problem, self.fix = path, where, problem, fix


@dataclass(frozen=True)
class Step:
    at: float  # service-clock minutes from the start of the exercise
    by: str  # a role of the cast (sandbox.exercise.cast)
    do: str
    council: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"minute {self.at:g}: {self.by} {self.do.replace('_', ' ')} ({self.council})"


@dataclass(frozen=True)
class Scenario:
    name: str  # the file's stem: what --scenario takes
    title: str
    summary: str
    speed: float
    councils: tuple[Mapping[str, Any], ...]  # added to the register for the exercise
    steps: tuple[Step, ...]  # in order of `at`

    @property
    def council_ids(self) -> list[str]:
        return sorted({s.council for s in self.steps})

    @property
    def length(self) -> float:
        return max((s.at for s in self.steps), default=0.0)


def available(directory: Path = SCENARIOS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yml"))


def find(name: str, directory: Path = SCENARIOS_DIR) -> Path:
    path = directory / f"{name}.yml"
    if not path.is_file():
        known = ", ".join(available(directory)) or "none"
        raise ScenarioError(
            str(path), "(file)", f"there is no scenario {name!r}", f"use one of: {known}"
        )
    return path


def load_scenario(path: Path, policy: Policy | None = None) -> Scenario:
    """Read and check one file; with the service's policy, councils and answers are checked
    against the register and the questionnaire too."""
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(
            where, "(file)", f"cannot be read ({exc.strerror})", "check the path"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise ScenarioError(
            where, line, "is not valid YAML", "check the indentation and quotes"
        ) from None
    return parse_scenario(raw, where, path.stem, policy)


def parse_scenario(
    raw: Any, where: str, name: str, policy: Policy | None = None
) -> Scenario:  # fmt: skip
    if not isinstance(raw, dict):
        raise ScenarioError(where, "(top)", "is not a mapping", "start with `title:` and `steps:`")
    unknown = set(raw) - {"title", "summary", "speed", "councils", "steps"}
    if unknown:
        raise ScenarioError(
            where, ", ".join(sorted(unknown)), "is not a scenario key",
            "use title, summary, speed, councils and steps",
        )  # fmt: skip
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ScenarioError(where, "title", "is missing", "give the exercise a title")
    speed = raw.get("speed", 1)
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 1 <= speed <= MAX_SPEED:
        raise ScenarioError(where, "speed", f"{speed!r} is not a speed", f"use 1 to {MAX_SPEED:g}")
    councils = _councils(raw.get("councils") or [], where)
    known = set(policy.councils) if policy is not None else None
    if known is not None:
        known |= {str(c["id"]) for c in councils}
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError(where, "steps", "are missing", "list the steps, each with at, by, do")
    steps: list[Step] = []
    for index, item in enumerate(raw_steps):
        steps.extend(_steps(item, f"steps[{index}]", where, known, policy))
    steps.sort(key=lambda s: s.at)
    return Scenario(
        name=name,
        title=title.strip(),
        summary=str(raw.get("summary") or "").strip(),
        speed=float(speed),
        councils=tuple(councils),
        steps=tuple(steps),
    )


def _councils(raw: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(raw, list):
        raise ScenarioError(where, "councils", "is not a list", "list councils as in councils.yml")
    for index, council in enumerate(raw):
        if not isinstance(council, dict) or not isinstance(council.get("id"), str):
            raise ScenarioError(
                where, f"councils[{index}]", "has no id", "give each council id, code, name, "
                "type, region and warp, as config/councils.yml does",
            )  # fmt: skip
    return list(raw)


def _minute(value: Any, place: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ScenarioError(
            where, place, f"{value!r} is not a minute", "give service-clock minutes, e.g. 40"
        )
    return float(value)


def _steps(
    item: Any, place: str, where: str, known: set[str] | None, policy: Policy | None
) -> list[Step]:
    if not isinstance(item, dict):
        raise ScenarioError(where, place, "is not a mapping", "write {at: 0, by: ..., do: ...}")
    at = _minute(item.get("at"), f"{place}.at", where)
    do = item.get("do")
    if do not in ACTIONS:
        raise ScenarioError(
            where, f"{place}.do", f"{do!r} is not an action", f"use one of {', '.join(ACTIONS)}"
        )
    needed, cast = ACTIONS[do]
    by = item.get("by")
    if by not in cast:
        raise ScenarioError(
            where, f"{place}.by", f"{by!r} cannot {do}", f"cast one of {', '.join(sorted(cast))}"
        )
    args = {k: v for k, v in item.items() if k not in COMMON}
    unknown = set(args) - needed - OPTIONAL.get(do, set())
    if unknown:
        allowed = sorted(needed | OPTIONAL.get(do, set()) | COMMON)
        raise ScenarioError(
            where, f"{place}.{sorted(unknown)[0]}", f"is not used by {do}",
            f"use only {', '.join(allowed)}",
        )  # fmt: skip
    for key in sorted(needed - set(args)):
        raise ScenarioError(where, f"{place}.{key}", f"is missing ({do} needs it)", f"add {key}")
    _check_args(do, args, place, where, policy)
    councils = item.get("councils")
    if councils is None:
        councils = [item.get("council")]
    if (
        not isinstance(councils, list)
        or not councils
        or not all(isinstance(c, str) and c for c in councils)
    ):
        raise ScenarioError(
            where, f"{place}.council", "is missing", "name the council by its id in the register"
        )
    for council in councils:
        if known is not None and council not in known:
            raise ScenarioError(
                where, f"{place}.council", f"{council!r} is not in the register",
                "use an id from config/councils.yml, or add it under councils:",
            )  # fmt: skip
    within = _minute(item.get("within", 0), f"{place}.within", where)
    gap = within / len(councils) if len(councils) > 1 else 0.0
    return [Step(at + i * gap, by, do, c, args) for i, c in enumerate(councils)]


def _one_of(value: Any, options: Sequence[str], place: str, where: str) -> None:
    if str(value) not in options:
        raise ScenarioError(
            where, place, f"{value!r} is not one of {', '.join(options)}", "pick one of them"
        )


def _check_args(
    do: str, args: Mapping[str, Any], place: str, where: str, policy: Policy | None
) -> None:
    if do == "decide":
        _one_of(args["decision"], DECISIONS, f"{place}.decision", where)
    if do == "activate" and "provider" in args:
        _one_of(args["provider"], CHOICES, f"{place}.provider", where)
    if do == "contact" and "method" in args:
        _one_of(args["method"], METHODS, f"{place}.method", where)
    if do == "say":
        _one_of(args.get("in", "incident"), PLACES, f"{place}.in", where)
    if do == "refer":
        for key in ("attacker_active", "personal_data"):
            if key in args:
                _one_of(_yes_no(args[key]), YES_NO, f"{place}.{key}", where)
    for key in ("text", "reason", "rationale", "what"):
        if key in args and (not isinstance(args[key], str) or not args[key].strip()):
            raise ScenarioError(where, f"{place}.{key}", "is empty", "write what is said")
    if do == "assess":
        _check_answers(args["answers"], f"{place}.answers", where, policy)


def _yes_no(value: Any) -> str:
    """YAML reads yes and no as booleans."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _check_answers(answers: Any, place: str, where: str, policy: Policy | None) -> None:
    if not isinstance(answers, dict) or not answers:
        raise ScenarioError(where, place, "is not a mapping", "write {question_id: option_id}")
    if policy is None:
        return
    questions = {q.id: q for q in policy.questionnaire.questions}
    for qid, picked in answers.items():
        question = questions.get(qid)
        if question is None:
            raise ScenarioError(
                where, f"{place}.{qid}", "is not a question of config/questionnaire.yml",
                f"use one of {', '.join(questions)}",
            )  # fmt: skip
        options = [o.id for o in question.options]
        for option in picked if isinstance(picked, list) else [picked]:
            _one_of(_yes_no(option), options, f"{place}.{qid}", where)
