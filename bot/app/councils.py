"""`python -m bot councils import FILE`: load the official register into config/councils.yml.

Nothing is written unless the whole CSV is sound and the rewritten file loads as the service
would load it (every other config file alongside): an operator who imports a bad file finds the
register exactly as it was, with every problem listed by line. The file is replaced atomically,
so a crash mid-write cannot leave half a register.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, TextIO

from bot.policy.councils_file import dropped_comments, dump_councils, header_of
from bot.policy.errors import ConfigError
from bot.policy.load import load_policy
from bot.policy.reader import load_yaml
from bot.policy.register import merge, read_register

FILE = "councils.yml"


def _configured(path: Path) -> tuple[str, list[dict[str, Any]]]:
    text = path.read_text(encoding="utf-8")
    councils = (load_yaml(path) or {}).get("councils") or []
    if not isinstance(councils, list) or not all(isinstance(c, dict) for c in councils):
        raise ConfigError(str(path), "councils", "is not a list of councils", "fix it by hand")
    return text, councils


def _checked(config_dir: Path, text: str) -> None:
    """Load the new register with the rest of the configuration, in a scratch copy."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "config"
        shutil.copytree(config_dir, copy)
        (copy / FILE).write_text(text, encoding="utf-8")
        load_policy(copy)


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def import_councils(csv_path: Path, config_dir: Path, *, dry_run: bool, out: TextIO) -> int:
    """0 when imported (or, with dry_run, importable); 1 when the CSV has errors."""
    try:
        rows, problems = read_register(csv_path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {csv_path}: {exc}", file=out)
        return 1
    if any(p.error for p in problems):
        for problem in problems:
            print(f"{csv_path}: {problem}", file=out)
        errors = sum(p.error for p in problems)
        print(f"{errors} error(s): nothing imported, {config_dir / FILE} unchanged", file=out)
        return 1
    target = config_dir / FILE
    text, existing = _configured(target)
    merged = merge(existing, rows)
    new_text = dump_councils(header_of(text), merged.councils)
    try:
        _checked(config_dir, new_text)
    except ConfigError as exc:
        print(f"error: the imported register would not load: {exc}", file=out)
        print(f"nothing imported, {target} unchanged", file=out)
        return 1
    for problem in [*problems, *merged.problems]:
        print(f"{csv_path}: {problem}", file=out)
    if dropped_comments(text):
        lost = dropped_comments(text)
        print(f"warning: {lost} comment line(s) below the header are not kept", file=out)
    verb = "would write" if dry_run else "wrote"
    print(
        f"{len(rows)} councils in the CSV: {merged.added} added, {merged.updated} updated, "
        f"{merged.kept} kept that the CSV does not list; {verb} {len(merged.councils)} "
        f"councils to {target}",
        file=out,
    )
    if not dry_run:
        _write(target, new_text)
    return 0
