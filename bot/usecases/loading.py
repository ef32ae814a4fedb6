"""Find the incident a command is about, by id or by its CIR reference."""

from __future__ import annotations

from bot.domain.errors import NotFound
from bot.domain.incident import Incident
from bot.domain.reference import Reference
from bot.ports import UnitOfWork


async def load_incident(uow: UnitOfWork, key: str, *, for_update: bool = False) -> Incident:
    """With `for_update` the incident's row is locked until commit, whichever key was given, so
    changes to one incident take turns (a reference is resolved to the id, then locked)."""
    if key.upper().startswith("CIR-"):
        incident = await uow.incidents.get_by_reference(Reference.parse(key))
        if incident is not None and for_update:
            incident = await uow.incidents.get_for_update(incident.id)
    elif for_update:
        incident = await uow.incidents.get_for_update(key)
    else:
        incident = await uow.incidents.get(key)
    if incident is None:
        raise NotFound(f"No incident {key!r} was found.")
    return incident
