"""What an exercise leaves behind: every incident's timeline (the same export as
`python -m bot export`, with its verification) and each incident's report as a PDF, both marked
EXERCISE. The report is built from the incident's record as it stands, closed or not: at the
end of an exercise people want to read what happened, not to close every incident first."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.app.export import export_incident
from bot.domain.errors import NotFound
from bot.domain.reference import Reference
from bot.reporting import build_report
from bot.usecases.context import CoreContext
from handlers.report.pdf import render_pdf
from storage.uow import SqlUnitOfWork

FORMAT = "cir-exercise-export/1"


async def references(uows: Callable[[], SqlUnitOfWork]) -> list[str]:
    """Every incident in the exercise's database, oldest first."""
    async with uows() as uow:
        ids = await uow.timeline.incident_ids()
        found = [await uow.incidents.get(i) for i in ids]
    return sorted(str(i.reference) for i in found if i is not None)


async def timeline_export(
    uows: Callable[[], SqlUnitOfWork], ctx: CoreContext, scenario: str = ""
) -> dict[str, Any]:
    mode = ctx.mode
    incidents = [await export_incident(uows, ref, mode) for ref in await references(uows)]
    return {
        "format": FORMAT,
        "exercise": mode.exercise,
        "notice": mode.banner(),
        "scenario": scenario,
        "speed": mode.speed,
        "incidents": incidents,
    }


async def report_pdf(uows: Callable[[], SqlUnitOfWork], ctx: CoreContext, reference: str) -> bytes:
    """Raises NotFound (unknown incident) or InvalidInput (not a reference)."""
    wanted = Reference.parse(reference)
    async with uows() as uow:
        incident = await uow.incidents.get_by_reference(wanted)
        if incident is None:
            raise NotFound(f"No incident {wanted} was found.")
        events = list(await uow.timeline.for_incident(incident.id))
    council = ctx.policy.councils.get(incident.council_id)
    if council is None:
        raise NotFound(f"{wanted}'s council is not in the register.")
    report = build_report(
        incident,
        council,
        events,
        generated_at=ctx.clock.now(),
        questionnaire=ctx.policy.questionnaire,
        provider_names={p.id: p.name for p in ctx.policy.providers.values()},
    )
    header = replace(report.header, marking=ctx.mode.mark(report.header.marking))
    return await asyncio.to_thread(render_pdf, replace(report, header=header))
