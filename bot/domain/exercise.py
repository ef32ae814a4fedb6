"""Exercise mode: a council (or MHCLG) rehearsing the service with the real bot.

Two settings, independent of each other: `exercise` marks everything the service produces as
EXERCISE (every message, email and text, every page of the post-incident report, the timeline
export), so a rehearsal can never be taken for a real incident; `speed` runs the service's clock
faster (see `ScaledClock`). A faster clock is shown on every screen too, because a deadline that
falls due in 3 minutes instead of 30 must not surprise anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

EXERCISE = "EXERCISE"
MAX_SPEED = 1000.0


@dataclass(frozen=True)
class ServiceMode:
    exercise: bool = False
    speed: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.speed <= MAX_SPEED:
            raise ValueError(f"speed must be above 0 and at most {MAX_SPEED:g}")

    @property
    def scaled(self) -> bool:
        return self.speed != 1.0

    @property
    def marked(self) -> bool:
        """Something must be shown on every screen: an exercise, or a clock that is not real."""
        return self.exercise or self.scaled

    def speed_text(self) -> str:
        """'service clock 10x: 30 minutes pass in 3' (empty at real speed)."""
        if not self.scaled:
            return ""
        real = 30 / self.speed
        shown = f"{real:.0f}" if real == int(real) else f"{real:.1f}"
        return f"service clock {self.speed:g}x: 30 minutes pass in {shown}"

    def banner(self) -> str:
        """The line shown at the top of every message and screen; empty when nothing applies."""
        parts = []
        if self.exercise:
            parts.append(f"{EXERCISE}: a rehearsal, not a real incident")
        if self.scaled:
            parts.append(self.speed_text())
        return " · ".join(parts)

    def mark(self, marking: str) -> str:
        """A classification marking with EXERCISE in front of it, as documents show it."""
        return f"{EXERCISE} - {marking}" if self.exercise else marking

    def subject(self, text: str) -> str:
        """An email subject or a text message: '[EXERCISE] ...' in front."""
        return f"[{EXERCISE}] {text}" if self.exercise else text
