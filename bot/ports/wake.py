"""What an edge needs from the deadline scheduler after its use case has committed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class Wake(Protocol):
    """The scheduler's wake-up, as the edges see it (`bot.app.scheduler.DeadlineScheduler` is
    the implementation). Both are called after the commit that created the deadlines: before
    it, a wake-up could find no row yet."""

    def wake_at(self, when: datetime) -> None:
        """Fire what is due at `when` then, rather than at the next sweep."""
        ...

    async def fire_now(self, deadline_ids: Sequence[str]) -> int:
        """Fire these deadlines now if due and unclaimed (an activation's page); returns how many
        were settled. What it cannot fire stays for the scheduler's own loops."""
        ...
