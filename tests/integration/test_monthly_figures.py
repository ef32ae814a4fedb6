"""MHCLG's monthly figures, from a month of incidents run through the real use cases, the real
scheduler (the contact ladder) and a real database; the PDF is parsed back and its numbers are
checked against each incident's own post-incident report model."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from bot.app.figures import load_records, parse_month
from bot.reporting.figures import monthly_figures
from bot.reporting.model import build_report
from bot.usecases.contact import RecordContact, record_contact
from handlers.report.figures_pdf import render_figures_pdf
from tests.factories import KPMG_RESPONDER
from tests.integration.activation_steps import activated
from tests.integration.ladder_rig import rig as rig  # the fixture, re-exported

# Minutes after the page at which KPMG records contact, one incident each: two within the
# 30-minute deadline, two after it (the ladder escalates meanwhile).
CONTACT_AFTER = (12, 25, 40, 61)


async def a_month_of_incidents(uow_factory, ctx, clock, rig) -> list[str]:
    references = []
    for minutes in CONTACT_AFTER:
        result = await activated(uow_factory, ctx)
        await rig.fire_due()  # the page and the council's email go out at once
        references.append(str(result.incident.reference))
        for _ in range(minutes):  # minute by minute, as the scheduler would wake
            clock.advance(minutes=1)
            await rig.fire_due()
        cmd = RecordContact(KPMG_RESPONDER, result.incident.id, clock.now(), "phone")
        await record_contact(cmd, uow_factory(), ctx)
        clock.advance(hours=1)
    return references


async def test_the_figures_match_the_reports_and_the_pdf_says_them(
    uow_factory, ctx, clock, rig
) -> None:
    references = await a_month_of_incidents(uow_factory, ctx, clock, rig)
    records = await load_records(uow_factory, ctx.policy)
    month = clock.now().date().replace(day=1)
    names = {p.id: p.name for p in ctx.policy.providers.values()}
    figures = monthly_figures(
        month, records, now=clock.now(), questionnaire=ctx.policy.questionnaire,
        provider_names=names,
    )  # fmt: skip

    assert figures.incidents == 4
    assert figures.activated == 4
    assert figures.references == tuple(sorted(references))
    [kpmg] = figures.providers
    assert kpmg.provider == "KPMG"
    assert kpmg.minutes_to_contact == tuple(float(m) for m in CONTACT_AFTER)
    assert (kpmg.met, kpmg.missed, kpmg.pending) == (2, 2, 0)
    # the 40-minute contact saw level 1 (30'); the 61-minute one levels 1 to 3 (30', 45', 60')
    assert figures.escalations_per_level == {1: 2, 2: 1, 3: 1}
    assert figures.per_region == {"London": 4}
    # the same numbers, one incident at a time, from each incident's report model
    reports = [
        build_report(r.incident, r.council, r.events, generated_at=clock.now()) for r in records
    ]
    minutes = [m for r in reports if (m := r.contact.minutes_to_contact) is not None]
    assert sorted(minutes) == list(kpmg.minutes_to_contact)  # a None would shorten the list
    assert sum(len(r.contact.escalations) for r in reports) == 4

    pdf = render_figures_pdf(figures, deadline_minutes=30, generated_at=clock.now())
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert all("OFFICIAL" in page.extract_text() for page in reader.pages)
    assert "Referrals received: 4. Activated: 4." in text
    assert "Contact deadlines met: 2. Missed: 2." in text
    assert "KPMG: contacts 4, median 32.5 min, longest 61.0 min, met 2, missed 2" in text
    assert "level 1: 2" in text
    assert "level 3: 1" in text
    assert "London: 4" in text
    assert all(ref in text for ref in references)
    images = sum(len(page.images) for page in reader.pages)
    assert images == 6  # contact times, met/missed, escalations, regions, categories, phases


async def test_another_month_counts_nothing(uow_factory, ctx, clock, rig) -> None:
    await a_month_of_incidents(uow_factory, ctx, clock, rig)
    records = await load_records(uow_factory, ctx.policy)
    earlier = (clock.now().date().replace(day=1) - timedelta(days=1)).replace(day=1)
    figures = monthly_figures(earlier, records, now=clock.now())
    assert figures.incidents == 0
    assert figures.providers == ()
    pdf = render_figures_pdf(figures, deadline_minutes=30, generated_at=clock.now())
    assert "No provider was paged this month." in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_month_is_given_as_year_and_month() -> None:
    assert parse_month("2026-11") == date(2026, 11, 1)
    for bad in ("2026-13", "Nov 2026", "2026-1", ""):
        with pytest.raises(ValueError, match="2026-11"):
            parse_month(bad)


def test_the_command_refuses_a_bad_month_with_a_message(tmp_path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot", "figures", "--month", "November"],
        capture_output=True, text=True, check=False,
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 2
    assert "--month must look like 2026-11" in run.stderr
