"""A configuration error names the file, the key and the fix, because an operator reads it at
3 a.m. with a council waiting."""

from __future__ import annotations


class ConfigError(Exception):
    def __init__(self, file: str, key: str, problem: str, fix: str) -> None:
        self.file, self.key, self.problem, self.fix = file, key, problem, fix
        super().__init__(f"{file}: {key}: {problem}. Fix: {fix}")
