"""`python -m bot councils import`: the whole register from a CSV, re-imported without losing
what operators added, and a bad CSV changing nothing."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from bot.app.cli import main
from bot.app.councils import import_councils
from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.policy.load import load_policy
from bot.policy.register import CODE_TYPES, CouncilType, Region

# The shipped sample's councils as the official register names them.
SAMPLE = [
    ("E06000003", "Redcar and Cleveland", "Unitary authority", "North East"),
    ("E09000012", "Hackney", "London borough", "London"),
    ("E06000063", "Cumberland", "Unitary authority", "North West"),
    ("E08000035", "Leeds", "Metropolitan district", "Yorkshire and the Humber"),
    ("E06000023", "Bristol, City of", "Unitary authority", "South West"),
    ("E10000016", "Kent", "County council", "South East"),
    ("E08000025", "Birmingham", "Metropolitan district", "West Midlands"),
    ("E10000020", "Norfolk", "County council", "East of England"),
    ("E06000018", "Nottingham", "Unitary authority", "East Midlands"),
]


def register(extra: int = 320, rows: Sequence[tuple[str, ...]] | None = None) -> str:
    """The sample's nine and `extra` made-up councils, every type and region."""
    made_up = []
    for n in range(1, extra + 1):
        kind = list(CouncilType)[n % len(CouncilType)]
        region = Region.LONDON if kind is CouncilType.LONDON_BOROUGH else list(Region)[n % 9]
        if region is Region.LONDON and kind is not CouncilType.LONDON_BOROUGH:
            region = Region.SOUTH_EAST
        prefix = {v: k for k, v in CODE_TYPES.items()}[kind]
        made_up.append((f"{prefix}{n + 100:06d}", f"Testborough {n:03d}", kind.value, region.value))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name", "type", "region"])
    writer.writerows(rows if rows is not None else [*SAMPLE, *made_up])
    return out.getvalue()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target)
    return target


def run(tmp_path: Path, config_dir: Path, text: str, *, dry_run: bool = False) -> tuple[int, str]:
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    code = import_councils(path, config_dir, dry_run=dry_run, out=out)
    return code, out.getvalue()


def edit(config_dir: Path, council_id: str, **changes: object) -> None:
    """An operator's hand edit, written back in the import's own layout."""
    from bot.policy.councils_file import dump_councils, header_of

    path = config_dir / "councils.yml"
    text = path.read_text()
    councils = yaml.safe_load(text)["councils"]
    next(c for c in councils if c["id"] == council_id).update(changes)
    path.write_text(dump_councils(header_of(text), councils))


def test_330_councils_import_and_reimport_without_losing_contacts_or_ids(
    tmp_path: Path, config_dir: Path
) -> None:
    edit(config_dir, "hackney", slack_team_id="T0HACKNEY")
    before = load_policy(config_dir).councils
    code, report = run(tmp_path, config_dir, register())
    assert code == 0, report
    assert "329 councils in the CSV: 320 added, 9 updated, 0 kept" in report
    assert "320 councils have no contacts yet (CSV lines 11-330)" in report
    councils = load_policy(config_dir).councils
    assert len(councils) == 329
    for cid, council in before.items():  # ids, contacts, WARP, Slack settings all kept
        now = councils[cid]
        assert (now.contacts, now.warp, now.slack_connect) == (
            council.contacts,
            council.warp,
            council.slack_connect,
        )
        assert now.slack_team_id == council.slack_team_id
    assert councils["hackney"].slack_team_id == "T0HACKNEY"
    assert councils["copeland"].name == "Cumberland"  # renamed by the register, same id
    new = councils["testborough-010"]
    assert (new.code, new.council_type, new.region) == (
        "E06000110",
        "Unitary authority",
        "North West",
    )
    assert new.warp == "North West WARP"  # the region's WARP, where the register agrees on one
    assert new.contacts == ()
    assert new.slack_connect is False
    text = (config_dir / "councils.yml").read_text()
    assert text.startswith("# The council register:")  # the documentation is kept

    edit(
        config_dir,
        "testborough-001",
        contacts=[{"name": "Head of IT", "email": "it@tb1.example", "phone": "01000 000001"}],
        slack_connect=True,
    )
    edited = (config_dir / "councils.yml").read_text()
    code, report = run(tmp_path, config_dir, register())
    assert code == 0
    assert "0 added, 0 updated, 0 kept" in report
    assert (config_dir / "councils.yml").read_text() == edited  # a re-import changes nothing
    again = load_policy(config_dir).councils["testborough-001"]
    assert again.contacts[0].email == "it@tb1.example"
    assert again.slack_connect is True
    assert "319 councils have no contacts yet" in report


def test_councils_the_csv_does_not_list_are_kept_and_named(tmp_path: Path, config_dir: Path):
    code, report = run(tmp_path, config_dir, register(extra=0, rows=SAMPLE[1:]))
    assert code == 0
    assert "redcar-and-cleveland (Redcar and Cleveland Borough Council) is configured but" in report
    assert "redcar-and-cleveland" in load_policy(config_dir).councils


def test_every_problem_is_reported_by_line_and_nothing_changes(
    tmp_path: Path, config_dir: Path
) -> None:
    original = (config_dir / "councils.yml").read_bytes()
    rows = [
        *SAMPLE[:2],
        ("E09000012", "Hackney Again", "London borough", "London"),  # line 4: same code
        ("E06000099", "London Borough of Hackney", "London borough", "London"),  # line 5: name
        ("E06000100", "Atlantis", "Unitary authority", "Wales"),  # line 6
        ("E06000101", "Lyonesse", "Parish", "South West"),  # line 7
        ("E07000102", "Camelot", "Unitary authority", "London"),  # line 8 (warnings only)
        ("E0600", "Shortcode", "Unitary authority", "South West"),  # line 9
        ("", "Nameless", "", "South West"),  # line 10
    ]
    code, report = run(tmp_path, config_dir, register(rows=rows))
    assert code == 1
    for expected in (
        "line 4: E09000012: duplicate code: same as line 3",
        "line 5: E06000099: duplicate name: same as line 3",
        "line 6: E06000100: unknown region 'Wales' (use one of: North East",
        "line 7: E06000101: unknown type 'Parish' (use one of: Unitary authority",
        "warning: line 8: E07000102: type 'Unitary authority' but the code says 'Non-metro",
        "warning: line 8: E07000102: a unitary authority in London",
        "line 9: E0600: code 'E0600' is not an ONS code like E06000001",
        "line 10: Nameless: code is empty",
        "line 10: Nameless: type is empty",
        "7 error(s): nothing imported",
    ):
        assert expected in report
    assert (config_dir / "councils.yml").read_bytes() == original


def test_a_csv_without_the_registers_columns_is_refused(tmp_path: Path, config_dir: Path):
    code, report = run(tmp_path, config_dir, "LAD24CD,LAD24NM\nE06000001,Hartlepool\n")
    assert code == 1
    assert "line 1: no column code, name, type, region (found: lad24cd, lad24nm)" in report


def test_dry_run_reports_and_writes_nothing(tmp_path: Path, config_dir: Path) -> None:
    original = (config_dir / "councils.yml").read_bytes()
    code, report = run(tmp_path, config_dir, register(extra=5), dry_run=True)
    assert code == 0
    assert "would write 14 councils" in report
    assert (config_dir / "councils.yml").read_bytes() == original


def test_the_command_line(tmp_path: Path, config_dir: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CIR_CONFIG_DIR", str(config_dir))
    path = tmp_path / "register.csv"
    path.write_text("\ufeff" + register(extra=3), encoding="utf-8")  # as Excel saves it
    assert main(["councils", "import", str(path)]) == 0
    assert "3 added, 9 updated" in capsys.readouterr().out
    assert len(load_policy(config_dir).councils) == 12


def test_the_loader_refuses_an_unknown_region_type_or_repeated_code(config_dir: Path) -> None:
    from bot.policy.errors import ConfigError

    path = config_dir / "councils.yml"
    text = path.read_text()
    for find, replace, expect in (
        ("region: London\n", "region: Greater London\n", r"councils\[1\].region: unknown"),
        ("type: London borough", "type: Borough", r"councils\[1\].type: unknown 'Borough'"),
        ("code: E09000012", "code: E06000003", r"councils\[1\].code: code E06000003 is also"),
    ):
        path.write_text(text.replace(find, replace, 1))
        with pytest.raises(ConfigError, match=expect):
            load_policy(config_dir)
