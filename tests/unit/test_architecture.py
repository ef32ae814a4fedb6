"""The core must stay free of Slack, Teams, HTTP and storage so both platforms share it."""

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
    "bot/ports.py",
    "bot/chat_port.py",
    "bot/notify_port.py",
]
FORBIDDEN = (
    "slack_bolt",
    "slack_sdk",
    "botbuilder",
    "aiohttp",
    "sqlalchemy",
    "handlers",
    "storage",
    "bot.app",
    "apscheduler",
)


def core_files() -> list[Path]:
    files: list[Path] = []
    for entry in CORE:
        path = ROOT / entry
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_no_platform_or_storage(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


def test_core_never_reads_the_wall_clock() -> None:
    for path in core_files():
        if path.name == "clock.py":
            continue
        source = path.read_text()
        assert (
            "datetime.now(" not in source and "utcnow(" not in source and "time.time(" not in source
        ), path
