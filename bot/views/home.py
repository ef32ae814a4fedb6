"""The open-incidents overview (Slack App Home, and the Teams equivalent later)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.actors import Actor
from bot.ports import UnitOfWork
from bot.usecases.context import CoreContext
from bot.usecases.participants import can_view
from bot.views.card import DEADLINE_LABELS, next_deadline


@dataclass(frozen=True)
class HomeRow:
    reference: str
    council: str
    state: str
    age: str
    next_deadline: tuple[str, datetime] | None
    marking: str


def _age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


async def open_incidents(uow: UnitOfWork, ctx: CoreContext, viewer: Actor) -> list[HomeRow]:
    """The open incidents `viewer` may see: all of them for MHCLG (and the read-only NCSC and
    GC3), only their own for a provider or a council."""
    now = ctx.clock.now()
    rows: list[HomeRow] = []
    async with uow:
        visible = [i for i in await uow.incidents.list_open() if can_view(viewer, i, ctx)]
        # one query for all their deadlines, not one per incident
        pending = await uow.deadlines.pending_for_incidents([i.id for i in visible])
        for incident in visible:
            council = ctx.policy.councils.get(incident.council_id)
            nxt = next_deadline(pending[incident.id])
            rows.append(
                HomeRow(
                    reference=str(incident.reference),
                    council=council.name if council else incident.council_id,
                    state=incident.state.label,
                    age=_age(now - incident.opened_at),
                    next_deadline=(DEADLINE_LABELS[nxt.kind], nxt.due_at) if nxt else None,
                    marking=incident.marking.value,
                )
            )
    return rows
