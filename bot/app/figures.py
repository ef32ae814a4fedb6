"""`python -m bot figures --month 2026-11 [--output FILE.pdf]`: MHCLG's monthly figures.

The numbers are printed; with `--output` they are also written as a marked PDF with charts.
Every incident's timeline is read (the figures come from the record alone, as the reports do),
so the command is run by hand or once a month, never on a request's path.
"""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from bot.app.settings import Settings
from bot.app.timeline_key import timeline_key
from bot.policy.load import load_policy
from bot.policy.model import Council, Policy
from bot.reporting.figures import IncidentRecord, MonthlyFigures, monthly_figures
from storage import migrate
from storage.database import create_engine_for, parse_database_url
from storage.uow import SqlUnitOfWorkFactory

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    found = _MONTH.match(text.strip())
    if found is None or not 1 <= int(found[2]) <= 12:
        raise ValueError(f"--month must look like 2026-11, not {text!r}")
    return date(int(found[1]), int(found[2]), 1)


async def load_records(uows: SqlUnitOfWorkFactory, policy: Policy) -> list[IncidentRecord]:
    records = []
    async with uows() as uow:
        for incident_id in await uow.timeline.incident_ids():
            incident = await uow.incidents.get(incident_id)
            if incident is None:
                continue
            council = policy.councils.get(incident.council_id) or Council(
                incident.council_id, incident.council_id, "", ""
            )
            events = list(await uow.timeline.for_incident(incident_id))
            records.append(IncidentRecord(incident, council, events))
    return records


def summary(figures: MonthlyFigures) -> list[str]:
    lines = [
        f"CIR figures for {figures.month:%B %Y}: {figures.incidents} referrals, "
        f"{figures.activated} activated; contact deadlines met {figures.met}, "
        f"missed {figures.missed}; lessons returned {figures.lessons_returned} of "
        f"{figures.lessons_asked}"
    ]
    for p in figures.providers:
        median = "-" if p.median_minutes is None else f"{p.median_minutes:.1f}"
        lines.append(
            f"  {p.provider}: {len(p.minutes_to_contact)} contacts, median {median} min, "
            f"met {p.met}, missed {p.missed}, pending {p.pending}"
        )
    levels = ", ".join(f"level {k}: {v}" for k, v in figures.escalations_per_level.items())
    lines.append(f"  escalations: {levels or 'none'}")
    return lines


async def _records(settings: Settings, policy: Policy) -> list[IncidentRecord]:
    target = parse_database_url(settings.database_url)
    migrate.require_current(target)
    engine = create_engine_for(target)
    try:
        return await load_records(SqlUnitOfWorkFactory(engine, timeline_key(settings)), policy)
    finally:
        await engine.dispose()


def _figures(settings: Settings, month: date, output: str | None) -> int:
    policy = load_policy(settings.config_dir, contact_deadline=settings.contact_deadline)
    records = asyncio.run(_records(settings, policy))
    now = datetime.now(UTC)  # the composition root's one clock read: when the figures were made
    names = {p.id: p.name for p in policy.providers.values()}
    figures = monthly_figures(
        month, records, now=now, questionnaire=policy.questionnaire, provider_names=names
    )
    print("\n".join(summary(figures)))
    if output:
        from handlers.report.figures_pdf import render_figures_pdf

        minutes = policy.ladder.contact_deadline.total_seconds() / 60
        pdf = render_figures_pdf(figures, deadline_minutes=minutes, generated_at=now)
        Path(output).write_bytes(pdf)
        print(f"written {output} ({len(pdf)} bytes)")
    return 0


def run_figures(settings: Settings, month_text: str, output: str | None) -> int:
    try:
        month = parse_month(month_text)
    except ValueError as exc:
        print(f"cir-bot: {exc}", file=sys.stderr)
        return 2
    return _figures(settings, month, output)
