"""The shipped questionnaire loads; an operator's mistake names the file, the key and the fix."""

import shutil
from pathlib import Path

import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.policy.errors import ConfigError
from bot.policy.questionnaire import (
    OPTION_LABEL_MAX,
    QUESTION_LABEL_MAX,
    Signal,
    load_questionnaire,
)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def test_shipped_questionnaire_covers_the_domain_questions(config_dir: Path) -> None:
    q = load_questionnaire(config_dir)
    assert [x.id for x in q.questions] == [
        "status",
        "reported_to_ncsc",
        "critical_services",
        "scope",
        "attack_type",
        "personal_data",
        "attacker_active",
        "backups",
        "capability",
        "spread",
        "restore_time",
        "ncsc_category",
    ]
    services = q.question("critical_services")
    assert services.multiple
    assert services.required
    assert services.option("none").exclusive
    assert {o.id for o in services.options} >= {
        "social_care",
        "housing",
        "benefits",
        "waste",
        "elections",
    }
    assert not q.question("status").multiple


def test_yes_and_no_option_ids_survive_yaml(config_dir: Path) -> None:
    q = load_questionnaire(config_dir)
    assert [o.id for o in q.question("attacker_active").options] == ["yes", "no", "unknown"]


def test_ncsc_categories_follow_the_contract(config_dir: Path) -> None:
    category = load_questionnaire(config_dir).question("ncsc_category")
    decisive = [o.id for o in category.options if o.effect and o.effect.decisive]
    assert decisive == ["c1", "c2", "c3"]
    c4 = category.option("c4").effect
    assert c4 is not None
    assert not c4.decisive
    assert "MHCLG judgement" in c4.reason
    assert category.option("uncategorised").effect is None


def test_every_shipped_label_fits_slack(config_dir: Path) -> None:
    q = load_questionnaire(config_dir)
    for question in q.questions:
        assert len(question.label) <= QUESTION_LABEL_MAX
        assert all(len(o.label) <= OPTION_LABEL_MAX for o in question.options)


def test_rules_are_parsed_with_their_conditions(config_dir: Path) -> None:
    rules = {r.id: r for r in load_questionnaire(config_dir).rules}
    monitor = rules["contained_single_device"]
    assert monitor.effect.signal is Signal.MONITOR
    assert {c.question_id: set(c.option_ids) for c in monitor.when} == {
        "status": {"confirmed"},
        "attacker_active": {"no"},
        "scope": {"one_device"},
        "critical_services": {"none"},
        "personal_data": {"no"},
    }
    assert rules["ransomware_with_services_down"].effect.decisive


def test_unknown_question_lookup_raises(config_dir: Path) -> None:
    q = load_questionnaire(config_dir)
    with pytest.raises(KeyError):
        q.question("favourite_colour")
    with pytest.raises(KeyError):
        q.question("status").option("maybe")


LONG_QUESTION = "x" * (QUESTION_LABEL_MAX + 1)
LONG_OPTION = "y" * (OPTION_LABEL_MAX + 1)


@pytest.mark.parametrize(
    ("find", "replace", "expect"),
    [
        (
            "signal: need_info",
            "signal: maybe",
            r"questionnaire.yml: questions\[0\].options\[1\].signal: unknown signal 'maybe'\. "
            r"Fix: use activate, monitor or need_info",
        ),
        (
            "- id: spread",
            "- id: backups",
            r"questionnaire.yml: questions\[9\].id: duplicate question id 'backups'",
        ),
        (
            "{id: not_yet, label: Not yet}",
            '{id: "yes", label: Not yet}',
            r"questions\[1\].options\[1\].id: duplicate option id 'yes' in question "
            r"'reported_to_ncsc'",
        ),
        (
            "label: What kind of attack is it?",
            f"label: {LONG_QUESTION}",
            rf"questions\[4\].label: is {QUESTION_LABEL_MAX + 1} characters; Slack shows at "
            rf"most {QUESTION_LABEL_MAX}\. Fix: shorten it",
        ),
        (
            "label: Social care",
            f"label: {LONG_OPTION}",
            rf"questions\[2\].options\[0\].label: is {OPTION_LABEL_MAX + 1} characters",
        ),
        (
            "multiple: true",
            "multiple: sometimes",
            r"questions\[2\].multiple: expected true or false, got 'sometimes'",
        ),
        (
            "required: true",
            "required: yes please",
            r"questions\[0\].required: expected true or false",
        ),
        (
            '{id: "no", label: "No"}',
            '{id: no, label: "No"}',
            r"questions\[5\].options\[1\].id: YAML read this id as true/false.*"
            r"Fix: put it in double quotes",
        ),
        (
            "{id: unknown, label: Not known yet}",
            "{id: unknown, label: Not known, yet}",
            r"questions\[5\].options\[2\].yet: unknown key 'yet'.*in quotes",
        ),
        (
            "attack_type: [domain_admin]",
            "attack_kind: [domain_admin]",
            r"rules\[1\].when.attack_kind: unknown question 'attack_kind'\. "
            r"Fix: use one of: status",
        ),
        (
            "scope: [one_device]",
            "scope: [one_laptop]",
            r"rules\[2\].when.scope\[0\]: question 'scope' has no option 'one_laptop'\. "
            r"Fix: use one of: one_device, several_systems, whole_network",
        ),
        (
            "    signal: monitor\n    reason: confirmed",
            "    signal: monitor\n    decisive: true\n    reason: confirmed",
            r"rules\[2\].decisive: only counts for activate signals, not monitor",
        ),
        (
            "        signal: monitor\n",
            "        signal: monitor\n        weight: 2\n",
            r"questions\[11\].options\[4\].weight: only counts for activate signals",
        ),
        (
            "        reason: several systems affected\n",
            "",
            r"questions\[3\].options\[1\].reason: is required with a signal",
        ),
        (
            "    signal: activate\n    decisive: true\n    reason: ransomware",
            "    decisive: true\n    reason: ransomware",
            r"rules\[0\].signal: is required",
        ),
        (
            "      - {id: bec, label: Business email compromise}\n",
            "      - {id: bec, label: Business email compromise, reason: phishing}\n",
            r"questions\[4\].options\[3\].reason: has no effect without a signal",
        ),
        (
            "activate_at: 3",
            "activate_at: lots",
            r"questionnaire.yml: activate_at: expected a whole number",
        ),
        ("\nquestions:\n", "\nquestions: [\n", r"questionnaire.yml: line \d+: not valid YAML"),
    ],
)
def test_broken_questionnaire_names_file_key_and_fix(
    config_dir: Path, find: str, replace: str, expect: str
) -> None:
    path = config_dir / "questionnaire.yml"
    text = path.read_text()
    assert find in text
    path.write_text(text.replace(find, replace, 1))
    with pytest.raises(ConfigError, match=expect) as caught:
        load_questionnaire(config_dir)
    assert caught.value.file.endswith("questionnaire.yml")
    assert caught.value.fix


def test_missing_questionnaire_says_to_restore_it(config_dir: Path) -> None:
    (config_dir / "questionnaire.yml").unlink()
    with pytest.raises(ConfigError, match="the file is missing. Fix: restore questionnaire.yml"):
        load_questionnaire(config_dir)
