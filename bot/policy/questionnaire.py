"""The threshold check questionnaire as typed objects, loaded from config/questionnaire.yml.

Operators edit the questions and the rules without touching code, so the loader checks
everything a mistake could break later at 3 a.m.: ids the rules point at, Slack's label limits,
YAML's habit of reading an unquoted `no` as false, and keys it does not know (usually a comma
in unquoted text splitting a flow mapping).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.policy.errors import ConfigError
from bot.policy.reader import Node, load_yaml

FILE = "questionnaire.yml"
QUESTION_LABEL_MAX = 150  # Slack input block label
OPTION_LABEL_MAX = 75  # Slack option text
HINT_MAX = 2000  # Slack input block hint
ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,59}$")

_QUESTION_KEYS = {"id", "label", "hint", "required", "multiple", "options"}
_EFFECT_KEYS = {"signal", "weight", "decisive", "reason"}
_OPTION_KEYS = {"id", "label", "exclusive"} | _EFFECT_KEYS
_RULE_KEYS = {"id", "when"} | _EFFECT_KEYS
_TOP_KEYS = {"activate_at", "questions", "rules"}


class Signal(StrEnum):
    ACTIVATE = "activate"
    MONITOR = "monitor"
    NEED_INFO = "need_info"


@dataclass(frozen=True)
class Effect:
    """What an answer or a combination pushes towards, and the words that say why."""

    signal: Signal
    reason: str
    weight: int = 0
    decisive: bool = False


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    effect: Effect | None = None
    exclusive: bool = False


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    options: tuple[Option, ...]
    hint: str = ""
    required: bool = False
    multiple: bool = False

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(f"question {self.id!r} has no option {option_id!r}")

    def has_option(self, option_id: str) -> bool:
        return any(o.id == option_id for o in self.options)


@dataclass(frozen=True)
class Condition:
    """Holds when the question was answered with at least one of `option_ids`."""

    question_id: str
    option_ids: frozenset[str]


@dataclass(frozen=True)
class Rule:
    id: str
    when: tuple[Condition, ...]
    effect: Effect


@dataclass(frozen=True)
class Questionnaire:
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    activate_at: int

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"no question {question_id!r}")

    def has_question(self, question_id: str) -> bool:
        return any(q.id == question_id for q in self.questions)


def _check_keys(node: Node, allowed: set[str]) -> None:
    for key in node.mapping():
        if key not in allowed:
            raise node.child(str(key)).fail(
                f"unknown key {key!r}",
                f"use only {', '.join(sorted(allowed))}; put text with a comma or colon in quotes",
            )


def _id(node: Node) -> str:
    if isinstance(node.value, bool):
        raise node.fail(
            "YAML read this id as true/false, not as text",
            'put it in double quotes, e.g. id: "no"',
        )
    text = node.str()
    if not ID.match(text):
        raise node.fail(
            f"{text!r} is not a valid id", "use lower-case letters, digits and underscores"
        )
    return text


def _text(node: Node, limit: int, *, default: str | None = None) -> str:
    text = node.str(default=default)
    if len(text) > limit:
        raise node.fail(
            f"is {len(text)} characters; Slack shows at most {limit}",
            f"shorten it to {limit} characters or fewer",
        )
    return text


def _int(node: Node, *, default: int) -> int:
    if node.value is None:
        return default
    if isinstance(node.value, bool) or not isinstance(node.value, int) or node.value < 1:
        raise node.fail(
            f"expected a whole number of 1 or more, got {node.value!r}", "write 1, 2, 3…"
        )
    return node.value


def _effect(node: Node, *, required: bool) -> Effect | None:
    raw = node.child("signal").value
    if raw is None:
        if required:
            raise node.child("signal").fail("is required", "use activate, monitor or need_info")
        for key in ("weight", "decisive", "reason"):
            if node.has(key):
                raise node.child(key).fail(
                    "has no effect without a signal", "add a signal or remove this key"
                )
        return None
    try:
        signal = Signal(node.child("signal").str())
    except ValueError:
        raise node.child("signal").fail(
            f"unknown signal {raw!r}", "use activate, monitor or need_info"
        ) from None
    if signal is not Signal.ACTIVATE:
        for key in ("weight", "decisive"):
            if node.has(key):
                raise node.child(key).fail(
                    f"only counts for activate signals, not {signal.value}",
                    "remove it or change the signal to activate",
                )
    reason = node.child("reason")
    if reason.value is None:
        raise reason.fail("is required with a signal", "say why this pushes the recommendation")
    return Effect(
        signal=signal,
        reason=reason.str(),
        weight=_int(node.child("weight"), default=1) if signal is Signal.ACTIVATE else 0,
        decisive=node.child("decisive").bool(default=False),
    )


def _option(node: Node) -> Option:
    _check_keys(node, _OPTION_KEYS)
    return Option(
        id=_id(node.child("id")),
        label=_text(node.child("label"), OPTION_LABEL_MAX),
        effect=_effect(node, required=False),
        exclusive=node.child("exclusive").bool(default=False),
    )


def _question(node: Node) -> Question:
    _check_keys(node, _QUESTION_KEYS)
    qid = _id(node.child("id"))
    options: list[Option] = []
    for item in node.child("options").items():
        option = _option(item)
        if any(o.id == option.id for o in options):
            raise item.child("id").fail(
                f"duplicate option id {option.id!r} in question {qid!r}",
                "give each option of a question its own id",
            )
        options.append(option)
    if len(options) < 2:
        raise node.child("options").fail("needs at least two options", "list the answers")
    return Question(
        id=qid,
        label=_text(node.child("label"), QUESTION_LABEL_MAX),
        options=tuple(options),
        hint=_text(node.child("hint"), HINT_MAX, default=""),
        required=node.child("required").bool(default=False),
        multiple=node.child("multiple").bool(default=False),
    )


def _condition(node: Node, question: Question) -> Condition:
    items = node.items() if isinstance(node.value, list) else [node]
    if not items:
        raise node.fail("lists no options", f"list option ids of question {question.id!r}")
    ids: set[str] = set()
    for item in items:
        option_id = _id(item)
        if not question.has_option(option_id):
            known = ", ".join(o.id for o in question.options)
            raise item.fail(
                f"question {question.id!r} has no option {option_id!r}", f"use one of: {known}"
            )
        ids.add(option_id)
    return Condition(question_id=question.id, option_ids=frozenset(ids))


def _rule(node: Node, questions: dict[str, Question]) -> Rule:
    _check_keys(node, _RULE_KEYS)
    rid = _id(node.child("id"))
    when = node.child("when")
    if not when.mapping():
        raise when.fail("has no conditions", "list question ids with the options that match")
    conditions: list[Condition] = []
    for key in when.mapping():
        if str(key) not in questions:
            raise when.child(str(key)).fail(
                f"unknown question {key!r}", f"use one of: {', '.join(questions)}"
            )
        conditions.append(_condition(when.child(str(key)), questions[str(key)]))
    effect = _effect(node, required=True)
    assert effect is not None  # required=True never returns None
    return Rule(id=rid, when=tuple(conditions), effect=effect)


def load_questionnaire(directory: Path) -> Questionnaire:
    path = directory / FILE
    doc = Node(str(path), "", load_yaml(path))
    if not isinstance(doc.value, dict):
        raise ConfigError(
            str(path),
            "(file)",
            "expected questions and rules",
            f"restore {FILE} from the repository",
        )
    _check_keys(doc, _TOP_KEYS)
    questions: dict[str, Question] = {}
    for item in doc.child("questions").items():
        question = _question(item)
        if question.id in questions:
            raise item.child("id").fail(
                f"duplicate question id {question.id!r}", "give each question its own id"
            )
        questions[question.id] = question
    if not questions:
        raise doc.child("questions").fail("no questions listed", "list at least one question")
    rules: list[Rule] = []
    for item in doc.child("rules").items():
        rule = _rule(item, questions)
        if any(r.id == rule.id for r in rules):
            raise item.child("id").fail(
                f"duplicate rule id {rule.id!r}", "give each rule its own id"
            )
        rules.append(rule)
    return Questionnaire(
        questions=tuple(questions.values()),
        rules=tuple(rules),
        activate_at=_int(doc.child("activate_at"), default=3),
    )
