"""The statements every firing and every command runs, built once with bound parameters.

Constructing a statement (its clauses, coercions and cache key) costs the event loop more than
PostgreSQL spends running one this small; under a burst of activations they ran tens of
thousands of times a minute.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update

from storage.models import IncidentRow, TimelineEventRow

_INCIDENTS = cast(Table, IncidentRow.__table__)
_EVENTS = cast(Table, TimelineEventRow.__table__)


@functools.cache
def _update_incident_if_version(columns: tuple[str, ...]) -> Any:
    return (
        update(_INCIDENTS)
        .where(_INCIDENTS.c.id == bindparam("b_id"), _INCIDENTS.c.version == bindparam("b_version"))
        .values(version=bindparam("b_new_version"), **{c: bindparam(f"b_{c}") for c in columns})
    )


def update_incident_if_version(
    incident_id: str, version: int, values: dict[str, object]
) -> tuple[Any, dict[str, object]]:
    """The optimistic update and its parameters: it matches no row if someone else moved the
    version on. One statement per set of columns, which is one: storage.mapping's values."""
    params: dict[str, object] = {f"b_{k}": v for k, v in values.items()}
    params |= {"b_id": incident_id, "b_version": version, "b_new_version": version + 1}
    return _update_incident_if_version(tuple(values)), params


@functools.cache
def incident_for_update() -> Any:
    return select(IncidentRow).where(IncidentRow.id == bindparam("b_id")).with_for_update()
