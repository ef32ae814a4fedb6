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
# what an incident's row is updated with: the keys of storage.mapping.incident_values
INCIDENT_VALUES = (
    "council_id",
    "state",
    "marking",
    "mou_status",
    "mou_override_reason",
    "recovery_opt_in",
    "provider_ids",
    "referral",
    "updated_at",
)


@functools.cache
def update_incident_if_version() -> Any:
    """The optimistic update: matches no row if someone else moved the version on."""
    return (
        update(_INCIDENTS)
        .where(_INCIDENTS.c.id == bindparam("b_id"), _INCIDENTS.c.version == bindparam("b_version"))
        .values(
            version=bindparam("b_new_version"),
            **{name: bindparam(f"b_{name}") for name in INCIDENT_VALUES},
        )
    )


def incident_params(incident_id: str, version: int, values: dict[str, object]) -> dict[str, object]:
    if set(values) != set(INCIDENT_VALUES):
        raise ValueError(f"incident values {sorted(values)} do not match {INCIDENT_VALUES}")
    params: dict[str, object] = {f"b_{k}": v for k, v in values.items()}
    return {**params, "b_id": incident_id, "b_version": version, "b_new_version": version + 1}


@functools.cache
def incident_for_update() -> Any:
    return select(IncidentRow).where(IncidentRow.id == bindparam("b_id")).with_for_update()


@functools.cache
def last_link() -> Any:
    return (
        select(_EVENTS.c.seq, _EVENTS.c.hash)
        .where(_EVENTS.c.incident_id == bindparam("b_id"))
        .order_by(_EVENTS.c.seq.desc())
        .limit(1)
    )
