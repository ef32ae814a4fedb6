"""Small typed accessors over parsed YAML that raise ConfigError with a precise location."""

from __future__ import annotations

import builtins
import re
from datetime import date as _date
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.policy.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# libyaml's safe loader when installed: the whole register (300+ councils) loads in a tenth of
# the time, which is start-up time.
_SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def parse_duration(text: str) -> timedelta:
    """Durations read like people write them in config and env: 30m, 90s, 4h, 2d."""
    match = _DURATION.match(str(text))
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a duration like 30m, 90s, 4h or 2d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_SAFE)  # noqa: S506 (a safe loader)
    except FileNotFoundError:
        raise ConfigError(
            str(path), "(file)", "the file is missing", f"restore {path.name} from the repository"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise ConfigError(
            str(path),
            where,
            f"not valid YAML ({getattr(exc, 'problem', exc)})",
            "correct the YAML syntax at that line",
        ) from None


class Node:
    """A position in a YAML document, so every error can say exactly where it is."""

    def __init__(self, file: str, key: str, value: Any) -> None:
        self.file, self.key, self.value = file, key, value

    def fail(self, problem: builtins.str, fix: builtins.str) -> ConfigError:
        return ConfigError(self.file, self.key, problem, fix)

    def child(self, name: builtins.str | int) -> Node:
        key = (
            f"{self.key}[{name}]"
            if isinstance(name, int)
            else (f"{self.key}.{name}" if self.key else name)
        )
        if isinstance(name, int):
            return Node(self.file, key, self.list()[name])
        return Node(self.file, key, self.mapping().get(name))

    def has(self, name: builtins.str) -> bool:
        return name in self.mapping()

    def mapping(self) -> dict[builtins.str, Any]:
        if not isinstance(self.value, dict):
            raise self.fail("expected a mapping (key: value lines)", "indent the entries under it")
        return self.value

    def list(self) -> builtins.list[Any]:
        if self.value is None:
            return []
        if not isinstance(self.value, list):
            raise self.fail("expected a list", "write each entry on its own line starting '- '")
        return self.value

    def items(self) -> builtins.list[Node]:
        return [self.child(i) for i in range(len(self.list()))]

    def str(
        self,
        *,
        default: builtins.str | None = None,
        pattern: re.Pattern[builtins.str] | None = None,
    ) -> builtins.str:
        if self.value is None:
            if default is not None:
                return default
            raise self.fail("is required", "add this key with a value")
        if not isinstance(self.value, str | int) or isinstance(self.value, bool):
            raise self.fail(f"expected text, got {type(self.value).__name__}", "give a text value")
        text = str(self.value).strip()
        if pattern is not None and not pattern.match(text):
            raise self.fail(f"{text!r} is not in the expected form", f"match {pattern.pattern}")
        return text

    def strs(self) -> builtins.list[builtins.str]:
        return [n.str() for n in self.items()]

    def bool(self, *, default: builtins.bool) -> builtins.bool:
        if self.value is None:
            return default
        if not isinstance(self.value, bool):
            raise self.fail(f"expected true or false, got {self.value!r}", "write true or false")
        return self.value

    def date(self) -> _date:
        if isinstance(self.value, _date):
            return self.value
        raise self.fail(f"expected a date, got {self.value!r}", "write a date as YYYY-MM-DD")

    def duration(self, *, default: builtins.str | None = None) -> timedelta:
        raw = self.value if self.value is not None else default
        if raw is None:
            raise self.fail("is required", "give a duration like 30m, 90s, 4h or 2d")
        try:
            return parse_duration(str(raw))
        except ValueError as exc:
            raise self.fail(str(exc), "give a duration like 30m, 90s, 4h or 2d") from None
