"""The threshold check recommendation: activate, monitor or need more information, and why.

The bot recommends and a person decides, so every recommendation carries the answers that drove
it in the assessor's own words. Pure: no I/O and no clock, so the same answers always give the
same recommendation and it can be replayed from the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import InvalidInput
from bot.policy.questionnaire import Condition, Effect, Question, Questionnaire, Rule, Signal


class Outcome(StrEnum):
    ACTIVATE = "activate"
    MONITOR = "monitor"
    NEED_MORE_INFO = "need_more_info"

    @property
    def label(self) -> str:
        return "need more information" if self is Outcome.NEED_MORE_INFO else self.value


_PUSHES = {
    Signal.ACTIVATE: Outcome.ACTIVATE,
    Signal.MONITOR: Outcome.MONITOR,
    Signal.NEED_INFO: Outcome.NEED_MORE_INFO,
}


@dataclass(frozen=True)
class Reason:
    """One answer (or combination of answers) and what it pushes towards, with the why.

    For a rule over several questions, `question_id` joins their ids with commas and `question`
    and `answer` join the labels with " / ".
    """

    question_id: str
    question: str
    answer: str
    pushes: Outcome
    why: str


@dataclass(frozen=True)
class Recommendation:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]  # labels of required questions left unanswered


@dataclass(frozen=True)
class _Hit:
    reason: Reason
    effect: Effect
    order: int  # rules before answers, each in config order
    from_rule: bool = False


def validate_answers(
    q: Questionnaire, answers: Mapping[str, str | Sequence[str]]
) -> dict[str, tuple[str, ...]]:
    """Normalise answers to option-id tuples in the questionnaire's option order.

    An empty answer counts as unanswered. Raises InvalidInput with one message per question,
    so a form can show each beside its field.
    """
    errors: dict[str, str] = {}
    clean: dict[str, tuple[str, ...]] = {}
    for question_id, raw in answers.items():
        if not q.has_question(question_id):
            errors[question_id] = f"There is no question {question_id!r} in the threshold check."
            continue
        question = q.question(question_id)
        picked = {raw.strip()} if isinstance(raw, str) else {str(a).strip() for a in raw}
        picked.discard("")
        unknown = sorted(p for p in picked if not question.has_option(p))
        if unknown:
            known = ", ".join(o.id for o in question.options)
            errors[question_id] = f"Unknown answer {', '.join(unknown)}: choose from {known}."
        elif len(picked) > 1 and not question.multiple:
            errors[question_id] = "Choose one answer only."
        elif len(picked) > 1 and any(question.option(p).exclusive for p in picked):
            only = next(question.option(p).label for p in picked if question.option(p).exclusive)
            errors[question_id] = f"'{only}' cannot be chosen with other answers."
        elif picked:
            clean[question_id] = tuple(o.id for o in question.options if o.id in picked)
    if errors:
        raise InvalidInput("Some answers to the threshold check could not be used.", errors)
    return clean


def recommend(q: Questionnaire, answers: Mapping[str, tuple[str, ...]]) -> Recommendation:
    """Weigh the answers in a fixed order of precedence:

    1. Any decisive activate signal (e.g. NCSC C1-C3, the whole network, backups destroyed,
       ransomware with critical services down) -> ACTIVATE, even with other answers unknown or
       missing: a council in a crisis must not wait on an unknown.
    2. Any need_info signal (suspected, attacker activity unknown) or a required question left
       unanswered -> NEED_MORE_INFO.
    3. Activate weights adding up to `q.activate_at` -> ACTIVATE.
    4. A monitor rule matches (confirmed, contained, one device, no service or data hit)
       -> MONITOR. Monitor signals on single answers only explain; they never decide.
    5. Otherwise -> NEED_MORE_INFO: the answers neither reach the threshold nor fit monitoring,
       which is MHCLG's judgement; the reasons then say which monitor conditions failed.

    Reasons pushing towards the outcome come first (decisive ones, then by weight), then the
    rest, so the assessor sees both what drove the recommendation and what points elsewhere.
    """
    given = validate_answers(q, answers)
    hits = _rule_hits(q, given) + _answer_hits(q, given)
    missing = tuple(x.label for x in q.questions if x.required and x.id not in given)

    def signalled(signal: Signal) -> list[_Hit]:
        return [h for h in hits if h.effect.signal is signal]

    if any(h.effect.decisive for h in signalled(Signal.ACTIVATE)):
        return _result(Outcome.ACTIVATE, hits, missing)
    if signalled(Signal.NEED_INFO) or missing:
        return _result(Outcome.NEED_MORE_INFO, hits, missing)
    if sum(h.effect.weight for h in signalled(Signal.ACTIVATE)) >= q.activate_at:
        return _result(Outcome.ACTIVATE, hits, missing)
    if any(h.from_rule for h in signalled(Signal.MONITOR)):
        return _result(Outcome.MONITOR, hits, missing)
    return _result(Outcome.NEED_MORE_INFO, hits + _unmet_monitor(q, given), missing)


def summarise(rec: Recommendation, *, limit: int = 3) -> str:
    """One plain line for a message preview, a notification or the timeline."""
    toward = [r.why for r in rec.reasons if r.pushes is rec.outcome]
    shown = toward[:limit]
    if len(toward) > limit:
        shown.append(f"and {len(toward) - limit} more")
    if rec.outcome is Outcome.NEED_MORE_INFO and rec.missing:
        shown.append("not answered: " + ", ".join(rec.missing))
    line = f"Recommend: {rec.outcome.label}"
    return f"{line} — {'; '.join(shown)}" if shown else line


def _answer_hits(q: Questionnaire, given: Mapping[str, tuple[str, ...]]) -> list[_Hit]:
    hits: list[_Hit] = []
    for index, question in enumerate(q.questions):
        for option_id in given.get(question.id, ()):
            option = question.option(option_id)
            if option.effect is not None:
                reason = _reason(question.id, question.label, option.label, option.effect)
                hits.append(_Hit(reason, option.effect, index))
    return hits


def _rule_hits(q: Questionnaire, given: Mapping[str, tuple[str, ...]]) -> list[_Hit]:
    """Rules rank before single answers (negative order): a combination is the stronger why."""
    hits: list[_Hit] = []
    for index, rule in enumerate(q.rules):
        if all(_holds(c, given) for c in rule.when):
            reason = _rule_reason(q, rule, given)
            hits.append(_Hit(reason, rule.effect, index - len(q.rules), from_rule=True))
    return hits


def _holds(condition: Condition, given: Mapping[str, tuple[str, ...]]) -> bool:
    return bool(condition.option_ids.intersection(given.get(condition.question_id, ())))


def _rule_reason(q: Questionnaire, rule: Rule, given: Mapping[str, tuple[str, ...]]) -> Reason:
    questions = [q.question(c.question_id) for c in rule.when]
    answers = [_answer_label(x, given.get(x.id, ())) for x in questions]
    return _reason(
        ",".join(x.id for x in questions),
        " / ".join(x.label for x in questions),
        " / ".join(answers),
        rule.effect,
    )


def _reason(question_id: str, question: str, answer: str, effect: Effect) -> Reason:
    return Reason(question_id, question, answer, _PUSHES[effect.signal], effect.reason)


def _answer_label(question: Question, picked: tuple[str, ...]) -> str:
    return ", ".join(question.option(p).label for p in picked) or "not answered"


def _unmet_monitor(q: Questionnaire, given: Mapping[str, tuple[str, ...]]) -> list[_Hit]:
    """Explain why monitoring does not fit, against the monitor rule the answers came closest to."""
    monitor_rules = [r for r in q.rules if r.effect.signal is Signal.MONITOR]
    if not monitor_rules:
        return []
    closest = min(monitor_rules, key=lambda r: sum(not _holds(c, given) for c in r.when))
    hits: list[_Hit] = []
    for condition in closest.when:
        if _holds(condition, given):
            continue
        question = q.question(condition.question_id)
        wanted = " or ".join(o.label for o in question.options if o.id in condition.option_ids)
        answer = _answer_label(question, given.get(question.id, ()))
        why = (
            f"'{answer}' rules out monitoring, which needs '{wanted}'"
            if condition.question_id in given
            else f"monitoring needs '{wanted}' for '{question.label}'"
        )
        effect = Effect(Signal.NEED_INFO, why)
        reason = Reason(question.id, question.label, answer, Outcome.NEED_MORE_INFO, why)
        hits.append(_Hit(reason, effect, q.questions.index(question)))
    return hits


def _result(outcome: Outcome, hits: list[_Hit], missing: tuple[str, ...]) -> Recommendation:
    def rank(hit: _Hit) -> tuple[int, int, int]:
        toward = hit.reason.pushes is outcome
        tier = 0 if toward and hit.effect.decisive else (1 if toward else 2)
        return (tier, -hit.effect.weight, hit.order)

    ordered = sorted(hits, key=rank)
    return Recommendation(outcome, tuple(h.reason for h in ordered), missing)
