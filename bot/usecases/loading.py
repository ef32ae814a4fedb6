"""Find the incident a command is about, by id or by its CIR reference."""

from __future__ import annotations

from bot.domain.errors import NotFound
from bot.domain.incident import Incident
from bot.domain.reference import Reference
from bot.ports import UnitOfWork

# The same words whether the incident does not exist or is someone else's: references are
# sequential, so telling the two apart would let anyone enumerate incidents.
NOT_YOURS = "That incident was not found, or it is not yours."


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
        raise NotFound(NOT_YOURS)
    return incident
