"""The arrows between the layers stay one-way. The core must stay free of Slack, Teams, HTTP and
storage so both platforms share it; the edges (handlers/) never reach into the composition root
(bot.app), which is the one place that knows everything; storage knows nothing of the edges; and
use cases do not import views (views read use-case results, so the other way is a cycle)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = [
    "bot/domain",
    "bot/usecases",
    "bot/views",
    "bot/policy",
    "bot/reporting",
    "bot/ports",
]
FORBIDDEN = (
    "slack_bolt",
    "slack_sdk",
    "botbuilder",
    "botframework",
    "aiohttp",
    "sqlalchemy",
    "handlers",
    "storage",
    "bot.app",
    "apscheduler",
)


# Use cases that still import bot.views, each to be moved off it (the list may only shrink:
# `test_the_known_view_imports_are_still_there` fails once one is fixed, so it is struck off).
# bot/usecases/firing builds the messages it sends from bot.views.page; presence builds the card.
USECASES_IMPORTING_VIEWS = {
    "bot/usecases/firing/announce.py",
    "bot/usecases/firing/contact.py",
    "bot/usecases/firing/recipients.py",  # escalation email and text
    "bot/usecases/firing/reviews.py",
    "bot/usecases/presence.py",  # the incident card
    "bot/usecases/sharing.py",  # the sanitiser
    "bot/usecases/status_updates.py",  # Fact
}


def files_under(*entries: str) -> list[Path]:
    files: list[Path] = []
    for entry in entries:
        path = ROOT / entry
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


def core_files() -> list[Path]:
    return files_under(*CORE)


def imported(path: Path) -> list[str]:
    """Every module `path` imports, at the top or inside a function or TYPE_CHECKING block."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def is_under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", core_files(), ids=rel)
def test_core_module_imports_no_platform_or_storage(path: Path) -> None:
    for name in imported(path):
        assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", files_under("handlers"), ids=rel)
def test_handlers_never_import_the_composition_root(path: Path) -> None:
    """What an edge needs from the running service (the scheduler's wake-up, background tasks,
    the request id) is passed in or lives beside the edges, so a Teams edge copies no arrow
    back into bot.app."""
    assert not [n for n in imported(path) if is_under(n, "bot.app")], rel(path)


@pytest.mark.parametrize("path", files_under("storage"), ids=rel)
def test_storage_never_imports_the_edges(path: Path) -> None:
    assert not [n for n in imported(path) if is_under(n, "handlers", "bot.app")], rel(path)


@pytest.mark.parametrize("path", files_under("bot/usecases"), ids=rel)
def test_use_cases_never_import_views(path: Path) -> None:
    if rel(path) in USECASES_IMPORTING_VIEWS:
        pytest.skip("a known import of bot.views, listed to be moved off")
    assert not [n for n in imported(path) if is_under(n, "bot.views")], rel(path)


def test_the_known_view_imports_are_still_there() -> None:
    """Each listed exception still imports bot.views: a fixed one leaves the list."""
    for entry in sorted(USECASES_IMPORTING_VIEWS):
        names = imported(ROOT / entry)
        assert [n for n in names if is_under(n, "bot.views")], f"{entry} no longer needs listing"


def test_the_rules_catch_what_they_forbid(tmp_path: Path) -> None:
    """The checks read real import statements, including ones inside functions."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bot.app.tasks import X\n    import handlers.slack\n")
    names = imported(sample)
    assert is_under(names[0], "bot.app")
    assert is_under(names[1], "handlers")
    assert not is_under("bot.applied", "bot.app")


def test_core_never_reads_the_wall_clock() -> None:
    for path in core_files():
        if path.name == "clock.py":
            continue
        source = path.read_text()
        for reading in ("datetime.now(", "utcnow(", "time.time("):
            assert reading not in source, (path, reading)


# Bot Framework's Python SDK (botbuilder-python) is archived: every import of it stays where a
# move to Microsoft's Teams SDK (microsoft-teams-apps) would touch it, and nowhere else.
BOT_FRAMEWORK = ("botbuilder", "botframework")
BOT_FRAMEWORK_ALLOWED = ("handlers/teams/", "sandbox/teams/", "benchmarks/", "tests/")


def python_files() -> list[Path]:
    return files_under("bot", "handlers", "storage", "sandbox", "benchmarks", "tests")


@pytest.mark.parametrize("path", python_files(), ids=rel)
def test_bot_framework_is_imported_only_by_the_teams_edge(path: Path) -> None:
    if rel(path).startswith(BOT_FRAMEWORK_ALLOWED):
        return
    found = [n for n in imported(path) if is_under(n, *BOT_FRAMEWORK)]
    assert not found, f"{rel(path)} imports {found}: keep Bot Framework inside handlers/teams/"


@pytest.mark.parametrize("path", files_under("handlers/teams"), ids=rel)
def test_the_teams_edge_never_imports_the_slack_edge(path: Path) -> None:
    assert not [
        n for n in imported(path) if is_under(n, "handlers.slack", "slack_bolt", "slack_sdk")
    ]


@pytest.mark.parametrize("path", files_under("handlers/slack"), ids=rel)
def test_the_slack_edge_never_imports_the_teams_edge(path: Path) -> None:
    found = [n for n in imported(path) if is_under(n, "handlers.teams", *BOT_FRAMEWORK)]
    assert not found, rel(path)


def test_the_bot_framework_rule_catches_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from botbuilder.schema import Activity\n")
    assert is_under(imported(sample)[0], *BOT_FRAMEWORK)
