"""`python -m bot export CIR-2026-0001`: one incident's full record as JSON, for archive and audit.

The timeline goes out with its MACs, its chain head and the result of re-checking both, so
whoever keeps the archive can show later that the record was intact when it was exported (and,
holding the timeline key, re-verify it; the last MAC is an anchor outside the database).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.app.settings import Settings
from bot.app.timeline_key import timeline_key
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.events import EventKind
from bot.domain.exercise import ServiceMode
from bot.domain.reference import Reference
from bot.domain.seal import Binding, check_incident
from bot.domain.timeline import TimelineEvent
from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

FORMAT = "cir-incident-export/1"
_ANSWERS = {EventKind.THRESHOLD_ASSESSED}
_DECISIONS = {
    EventKind.THRESHOLD_DECISION_RECORDED,
    EventKind.ACTIVATION_PROPOSED,
    EventKind.ACTIVATION_CONFIRMED,
    EventKind.MOU_OVERRIDDEN,
}
_LESSONS = {EventKind.LESSONS_SUBMITTED}


def _event(event: TimelineEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "organisation": event.organisation,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def _of(events: list[TimelineEvent], kinds: set[EventKind]) -> list[dict[str, Any]]:
    """A view for readers; each entry names the timeline seq it comes from, which is the record."""
    return [
        {"seq": e.seq, "kind": e.kind, "at": e.at.isoformat(), "by": e.actor_name, **e.data}
        for e in events
        if e.kind in kinds
    ]


async def export_incident(
    uow_factory: Callable[[], SqlUnitOfWork], reference: str, mode: ServiceMode | None = None
) -> dict[str, Any]:
    """Raises NotFound for an unknown incident and InvalidInput for a malformed reference. An
    exercise's export says so before anything else (`exercise`, and EXERCISE in `marking`)."""
    mode = mode or ServiceMode()
    wanted = Reference.parse(reference)
    async with uow_factory() as uow:
        incident = await uow.incidents.get_by_reference(wanted)
        if incident is None:
            raise NotFound(f"No incident {wanted} was found.")
        events = list(await uow.timeline.for_incident(incident.id))
        head = await uow.heads.get(incident.id)
        binding = Binding(str(incident.reference), incident.council_id, incident.provider_ids)
        breaks = check_incident(uow.key, incident.id, binding, events, head)
    return {
        "format": FORMAT,
        "exercise": mode.exercise,
        "marking": mode.mark(incident.marking.value),
        **({"notice": mode.banner()} if mode.exercise else {}),
        "incident": {
            "id": incident.id,
            "reference": str(incident.reference),
            "council_id": incident.council_id,
            "state": incident.state.value,
            "marking": incident.marking.value,
            "mou_status": incident.mou_status.value,
            "mou_override_reason": incident.mou_override_reason,
            "recovery_opt_in": incident.recovery_opt_in,
            "provider_ids": list(incident.provider_ids),
            "opened_at": incident.opened_at.isoformat(),
            "updated_at": incident.updated_at.isoformat(),
            "version": incident.version,
        },
        "referral": incident.referral.as_dict(),
        "timeline": [_event(e) for e in events],
        "answers": _of(events, _ANSWERS),
        "decisions": _of(events, _DECISIONS),
        "lessons": _of(events, _LESSONS),
        "verification": {
            "intact": not breaks,
            "events": len(events),
            "last_hash": events[-1].hash if events else None,
            "head_mac": head.mac if head else None,
            "breaks": [{"seq": b.seq, "kind": b.kind.value, "reason": b.reason} for b in breaks],
        },
    }


async def _fetch(settings: Settings, reference: str) -> dict[str, Any]:
    engine = create_engine_for(parse_database_url(settings.database_url))
    try:
        mode = ServiceMode(exercise=settings.exercise)
        return await export_incident(
            SqlUnitOfWorkFactory(engine, timeline_key(settings)), reference, mode
        )
    finally:
        await engine.dispose()


def run_export(settings: Settings, reference: str, output: str | None) -> int:
    """Exit 0 when written, 1 when written but the chain is broken, 2 when nothing was found."""
    migrate.require_current(parse_database_url(settings.database_url))
    try:
        record = asyncio.run(_fetch(settings, reference))
    except (NotFound, InvalidInput) as exc:
        print(f"cir-bot: cannot export: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if not record["verification"]["intact"]:
        print(f"cir-bot: {reference}: the timeline's hash chain is BROKEN", file=sys.stderr)
        return 1
    return 0
