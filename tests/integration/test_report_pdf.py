"""The PDF report read back with pypdf: the marking and 'Page N of M' on every page, every section,
a 2,000-event timeline across many pages, and user text a core font cannot encode."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from bot.domain.actors import Actor
from bot.domain.incident import Marking
from bot.policy.model import Policy
from bot.reporting.outline import TITLES
from handlers.report.pdf import render_pdf, sanitise
from tests.factories import COUNCIL_USER, KPMG_RESPONDER
from tests.report_record import full_record, new_incident, report_for


def pages(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def assert_marked(texts: list[str], marking: str) -> None:
    for number, page in enumerate(texts, start=1):
        assert marking in page, f"page {number} has no marking"
        assert f"Page {number} of {len(texts)}" in page, f"page {number} has no page number"


def test_every_page_carries_the_marking_page_number_and_sections(policy: Policy) -> None:
    record = full_record(new_incident())
    pdf = render_pdf(report_for(record, policy))
    assert pdf.startswith(b"%PDF-")
    texts = pages(pdf)
    assert_marked(texts, "OFFICIAL-SENSITIVE")
    everything = " ".join(texts)
    for heading in TITLES:
        assert heading in everything
    assert "London Borough of Hackney" in everything
    assert "Benefits offline for 40,000 residents" in everything
    assert "22 minutes" in everything


def test_an_official_incident_is_marked_official(policy: Policy) -> None:
    record = full_record(new_incident())
    record.incident.marking = Marking.OFFICIAL
    texts = pages(render_pdf(report_for(record, policy)))
    assert all("OFFICIAL" in t and "OFFICIAL-SENSITIVE" not in t for t in texts)


def test_a_2000_event_timeline_breaks_across_pages_keeping_first_and_last(
    policy: Policy,
) -> None:
    record = full_record(new_incident())
    actors: list[Actor] = [KPMG_RESPONDER, COUNCIL_USER]
    while len(record.events) < 1999:
        n = len(record.events)
        record.add(
            2020 + n,
            actors[n % 2],
            "NoteAdded",
            text=f"Progress note {n:04d}: host rebuilt and scanned clean; credentials rotated",
            source="slash",
        )
    record.add(9000, KPMG_RESPONDER, "NoteAdded", text="FINAL-EVENT-MARKER", source="slash")
    assert len(record.events) == 2000
    texts = pages(render_pdf(report_for(record, policy)))
    assert len(texts) > 20
    assert_marked(texts, "OFFICIAL-SENSITIVE")
    everything = " ".join(texts)
    assert "Referral logged as CIR-2026-0001" in texts[0] + texts[1]
    assert "FINAL-EVENT-MARKER" in texts[-1]
    notes = re.findall(r"Progress note (\d{4})", everything)
    assert len(set(notes)) == 2000 - len(full_record(new_incident()).events) - 1
    assert (
        sum("When Who Organisation What" in t for t in texts) >= len(texts) - 3
    )  # headings repeat


def test_text_a_core_font_cannot_encode_does_not_break_the_pdf(policy: Policy) -> None:
    description = (
        "Council’s “finance” system — encrypted… 🔥🔒 Cyngor Sir Ynys Môn: ŵ ŷ "
        "Здравствуйте 日本 \x07bell"
    )
    record = full_record(new_incident(description))
    record.add(
        3000, COUNCIL_USER, "NoteAdded", text="Tîm TG’r Cyngor 👍\n" + "x" * 400, source="slash"
    )
    texts = pages(render_pdf(report_for(record, policy)))
    everything = " ".join(texts)
    assert 'Council\'s "finance" system - encrypted...' in everything
    assert "Cyngor Sir Ynys Môn: w y" in everything
    assert "Tîm TG'r Cyngor ?" in everything
    assert_marked(texts, "OFFICIAL-SENSITIVE")


def test_sanitise_keeps_latin_1_and_line_breaks() -> None:
    assert sanitise("Café £5\nnext") == "Café £5\nnext"
    assert sanitise("ŵ—“x”🙂") == 'w-"x"?'
    assert sanitise("a\x00b\x1bc") == "abc"
