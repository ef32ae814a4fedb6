"""The threshold recommendation over the shipped questionnaire, as an assessor would read it."""

import dataclasses
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.errors import InvalidInput
from bot.domain.threshold import (
    Outcome,
    Reason,
    Recommendation,
    recommend,
    summarise,
    validate_answers,
)
from bot.policy.questionnaire import Questionnaire, load_questionnaire

# A confirmed, contained incident on one laptop with no service or data hit: the monitor case.
CONTAINED_LAPTOP: dict[str, str | list[str]] = {
    "status": "confirmed",
    "critical_services": ["none"],
    "scope": "one_device",
    "attack_type": ["other"],
    "personal_data": "no",
    "attacker_active": "no",
}


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_questionnaire(DEFAULT_CONFIG_DIR)


def run(q: Questionnaire, answers: Mapping[str, str | Sequence[str]]) -> Recommendation:
    return recommend(q, validate_answers(q, answers))


def toward(rec: Recommendation) -> list[Reason]:
    return [r for r in rec.reasons if r.pushes is rec.outcome]


def test_ransomware_with_benefits_down_across_the_network_activates(q: Questionnaire) -> None:
    rec = run(
        q,
        {
            **CONTAINED_LAPTOP,
            "attack_type": ["ransomware"],
            "critical_services": ["benefits"],
            "scope": "whole_network",
        },
    )
    assert rec.outcome is Outcome.ACTIVATE
    drivers = {(r.question_id, r.answer) for r in toward(rec)}
    assert ("scope", "Most or all of the network") in drivers
    assert ("critical_services", "Benefits and payments") in drivers
    assert ("attack_type", "Ransomware or wiper") in drivers
    assert rec.reasons[0].why == "ransomware or a wiper has taken critical services down"
    line = summarise(rec)
    assert line.startswith("Recommend: activate — ransomware or a wiper has taken critical")
    assert "most or all of the network is affected" in line


@pytest.mark.parametrize("category", ["c1", "c2", "c3"])
def test_ncsc_category_c3_and_above_alone_activates(q: Questionnaire, category: str) -> None:
    rec = run(q, {"ncsc_category": category})
    assert rec.outcome is Outcome.ACTIVATE
    assert rec.reasons[0].question_id == "ncsc_category"
    assert "the contract activates at C3 and above" in rec.reasons[0].why
    # The unanswered questions are still shown, but do not hold up the activation.
    assert "Is the attacker still active in the council's systems?" in rec.missing
    assert summarise(rec) == (
        f"Recommend: activate — NCSC category {category.upper()} "
        "(the contract activates at C3 and above)"
    )


@pytest.mark.parametrize(
    ("scope", "expected"),
    [("one_device", Outcome.MONITOR), ("several_systems", Outcome.NEED_MORE_INFO)],
)
def test_c4_with_nothing_else_critical_is_mhclg_judgement(
    q: Questionnaire, scope: str, expected: Outcome
) -> None:
    rec = run(q, {**CONTAINED_LAPTOP, "scope": scope, "ncsc_category": "c4"})
    assert rec.outcome is expected
    c4 = [r for r in rec.reasons if r.question_id == "ncsc_category"]
    assert len(c4) == 1
    assert "MHCLG judgement" in c4[0].why
    assert c4[0].pushes is Outcome.ACTIVATE
    assert rec.reasons[0].pushes is expected  # what drove the outcome comes first


def test_c4_between_threshold_and_monitoring_explains_what_rules_monitoring_out(
    q: Questionnaire,
) -> None:
    rec = run(q, {**CONTAINED_LAPTOP, "scope": "several_systems", "ncsc_category": "c4"})
    first = rec.reasons[0]
    assert (first.question_id, first.answer) == ("scope", "Several systems")
    assert (
        first.why
        == "'Several systems' rules out monitoring, which needs 'One device or one account'"
    )
    assert rec.missing == ()


def test_contained_single_laptop_is_monitored(q: Questionnaire) -> None:
    rec = run(q, CONTAINED_LAPTOP)
    assert rec.outcome is Outcome.MONITOR
    assert "One device or one account" in rec.reasons[0].answer
    assert "scope" in rec.reasons[0].question_id.split(",")
    assert summarise(rec).startswith("Recommend: monitor — confirmed, contained and limited")


def test_monitor_still_shows_what_points_towards_activation(q: Questionnaire) -> None:
    rec = run(q, {**CONTAINED_LAPTOP, "attack_type": ["ransomware"]})
    assert rec.outcome is Outcome.MONITOR
    assert [r.pushes for r in rec.reasons] == [Outcome.MONITOR, Outcome.ACTIVATE]
    assert rec.reasons[1].answer == "Ransomware or wiper"


@pytest.mark.parametrize(
    ("change", "question_id"),
    [
        ({"status": "suspected"}, "status"),
        ({"attacker_active": "unknown"}, "attacker_active"),
        # Even with enough weight to activate, an unknown that matters asks first.
        ({"attacker_active": "unknown", "scope": "several_systems", "capability": "no"}, None),
    ],
)
def test_suspected_or_attacker_unknown_needs_more_information(
    q: Questionnaire, change: dict[str, str], question_id: str | None
) -> None:
    rec = run(q, {**CONTAINED_LAPTOP, **change})
    assert rec.outcome is Outcome.NEED_MORE_INFO
    first = rec.reasons[0]
    assert first.pushes is Outcome.NEED_MORE_INFO
    assert first.question_id == (question_id or "attacker_active")
    assert summarise(rec).startswith(f"Recommend: need more information — {first.why}")


@pytest.mark.parametrize(
    "decisive",
    [
        {"ncsc_category": "c2"},
        {"attack_type": ["ransomware"], "critical_services": ["social_care", "housing"]},
        {"backups": "destroyed"},
        {"attack_type": ["domain_admin"], "attacker_active": "yes"},
    ],
)
def test_a_decisive_answer_activates_despite_unknowns(
    q: Questionnaire, decisive: dict[str, str | list[str]]
) -> None:
    rec = run(
        q, {**CONTAINED_LAPTOP, "status": "suspected", "attacker_active": "unknown", **decisive}
    )
    assert rec.outcome is Outcome.ACTIVATE
    assert rec.reasons[0].pushes is Outcome.ACTIVATE
    assert Outcome.NEED_MORE_INFO in {r.pushes for r in rec.reasons}  # still visible


def test_activate_weights_add_up_to_the_configured_threshold(q: Questionnaire) -> None:
    assert q.activate_at == 3
    two = {**CONTAINED_LAPTOP, "scope": "several_systems", "capability": "partly"}
    assert run(q, two).outcome is Outcome.NEED_MORE_INFO
    three = {**two, "restore_time": "one_to_three_days"}
    rec = run(q, three)
    assert rec.outcome is Outcome.ACTIVATE
    assert {r.question_id for r in toward(rec)} == {"scope", "capability", "restore_time"}
    lowered = dataclasses.replace(q, activate_at=2)
    assert run(lowered, two).outcome is Outcome.ACTIVATE


def test_heavier_reasons_come_first(q: Questionnaire) -> None:
    rec = run(q, {**CONTAINED_LAPTOP, "scope": "several_systems", "spread": "yes"})
    assert rec.outcome is Outcome.ACTIVATE
    assert [r.question_id for r in toward(rec)] == ["spread", "scope"]


def test_missing_required_answers_are_listed_in_question_order(q: Questionnaire) -> None:
    rec = run(q, {"status": "confirmed", "scope": "one_device"})
    assert rec.outcome is Outcome.NEED_MORE_INFO
    assert rec.missing == (
        "Which critical services are unavailable to residents?",
        "What kind of attack is it?",
        "Has personal data been encrypted, accessed or taken?",
        "Is the attacker still active in the council's systems?",
    )
    assert "not answered: Which critical services" in summarise(rec)


def test_no_answers_at_all_asks_for_everything_required(q: Questionnaire) -> None:
    rec = run(q, {})
    assert rec.outcome is Outcome.NEED_MORE_INFO
    assert rec.reasons == ()
    assert rec.missing == tuple(x.label for x in q.questions if x.required)


def test_validation_normalises_answers(q: Questionnaire) -> None:
    clean = validate_answers(
        q,
        {
            "status": " confirmed ",
            "critical_services": ["waste", "benefits", "waste"],
            "backups": "",
            "spread": [],
        },
    )
    assert clean == {"status": ("confirmed",), "critical_services": ("benefits", "waste")}


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"favourite_colour": "blue"}, "favourite_colour", "no question 'favourite_colour'"),
        ({"status": "maybe"}, "status", "Unknown answer maybe: choose from confirmed, suspected"),
        ({"scope": ["one_device", "whole_network"]}, "scope", "Choose one answer only"),
        (
            {"critical_services": ["none", "benefits"]},
            "critical_services",
            "'None of these' cannot be chosen with other answers",
        ),
    ],
)
def test_invalid_answers_name_the_question(
    q: Questionnaire, answers: dict[str, str | list[str]], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_answers(q, {**CONTAINED_LAPTOP, **answers})
    assert list(caught.value.field_errors) == [field]
    assert message in caught.value.field_errors[field]
    with pytest.raises(InvalidInput):
        recommend(q, {k: (v,) if isinstance(v, str) else tuple(v) for k, v in answers.items()})


def test_an_operator_rule_changes_the_recommendation_without_code(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    path = config / "questionnaire.yml"
    path.write_text(
        path.read_text()
        + """
  - id: ransomware_backups_unknown
    when: {attack_type: ransomware, backups: unknown}
    signal: need_info
    reason: ransomware with the state of the backups not known
"""
    )
    edited = load_questionnaire(config)
    answers = {
        **CONTAINED_LAPTOP,
        "attack_type": ["ransomware"],
        "scope": "several_systems",
        "backups": "unknown",
    }
    assert run(load_questionnaire(DEFAULT_CONFIG_DIR), answers).outcome is Outcome.ACTIVATE
    rec = run(edited, answers)
    assert rec.outcome is Outcome.NEED_MORE_INFO
    assert rec.reasons[0].why == "ransomware with the state of the backups not known"
    assert rec.reasons[0].question_id == "attack_type,backups"
    assert rec.reasons[0].answer == "Ransomware or wiper / Not known yet"
