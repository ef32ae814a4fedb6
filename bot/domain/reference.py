"""Incident references read CIR-<year>-<4 digits>; the sequence is gap-free per year."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.errors import InvalidInput

_PATTERN = re.compile(r"^CIR-(\d{4})-(\d{4,})$")


@dataclass(frozen=True, slots=True, order=True)
class Reference:
    year: int
    number: int

    def __str__(self) -> str:
        return f"CIR-{self.year}-{self.number:04d}"

    @classmethod
    def parse(cls, text: str) -> Reference:
        match = _PATTERN.match(text.strip().upper())
        if not match:
            raise InvalidInput(
                f"{text!r} is not an incident reference (expected e.g. CIR-2026-0042)."
            )
        return cls(int(match.group(1)), int(match.group(2)))

    def channel_prefix(self) -> str:
        return f"cir-{self.year}-{self.number:04d}"
