"""The report as Markdown: every section, the marking first and last, people's text unable to
inject headings, links or HTML, and a document that reads as British English with UK times."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.uk_time import uk_time
from bot.policy.model import Policy
from bot.reporting.markdown import render_markdown
from tests.factories import ASSESSOR
from tests.report_record import BOT, full_record, new_incident, report_for


def test_markdown_has_every_section_and_the_marking_first_and_last(policy: Policy) -> None:
    markdown = render_markdown(report_for(full_record(new_incident()), policy))
    lines = markdown.splitlines()
    assert lines[0] == lines[-1] == "OFFICIAL-SENSITIVE"
    for heading in (
        "Nature and impact",
        "Threshold decision",
        "Response phases",
        "Notifications",
        "Lessons learned",
        "Recommendations",
        "Timeline of actions",
    ):
        assert f"## {heading}" in lines
    assert "| Pre\\-agree remote access | KPMG | KPMG |" not in markdown  # '-' mid-text is literal
    assert "| Pre-agree remote access | KPMG | KPMG |" in markdown
    assert "- **Time to contact:** 22 minutes" in lines


def test_markdown_user_text_cannot_inject_headings_links_or_html(policy: Policy) -> None:
    evil = "Encrypted\n# Owned\n[click](http://evil.example) <script>alert(1)</script> ![x](y)"
    markdown = render_markdown(report_for(full_record(new_incident(evil)), policy))
    assert "\n# Owned" not in markdown
    assert "\\# Owned" in markdown
    assert "[click](http" not in markdown
    assert "\\[click\\](hxxp://evil\\[.\\]example)" in markdown
    assert "<script>" not in markdown
    assert "&lt;script&gt;" in markdown
    assert "![x]" not in markdown


def test_the_report_reads_as_a_uk_document(policy: Policy) -> None:
    """UK time with its zone (GMT in winter, BST in summer), bodies by the names they go by."""
    assert uk_time(datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) == "23 Nov 2026 09:00 GMT"
    assert uk_time(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)) == "1 Jul 2026 10:00 BST"
    incident = replace(
        new_incident(),
        referral=replace(new_incident().referral, bodies_told=("ncsc", "action_fraud", "ico")),
    )
    record = full_record(incident)
    record.add(
        2200, ASSESSOR, "ReportShared", recipient="council", to="hana@hackney.example",
        route="notify_file", version=1, format="pdf", sha256="ab" * 32, notification_id="n-1",
        ok=True, error="",
    )  # fmt: skip
    record.add(
        2201, BOT, "ReportDeliveryChecked", notification_id="n-1", recipient="council",
        to="hana@hackney.example", state="failed", detail="permanent-failure",
    )  # fmt: skip
    record.events = [e for e in record.events if e.kind != "ReferralReceived"]
    markdown = render_markdown(report_for(record, policy))
    assert "UTC" not in markdown
    assert "23 Nov 2026 09:00 GMT" in markdown
    assert "- **Bodies told at referral:** NCSC, Action Fraud / NCA, ICO" in markdown
    # ids never stand for names (typed answers may say what they like: the test's say "mhclg:")
    assert not re.search(r"\b(ncsc|gc3|action.fraud|COUNCIL)\b", markdown)
    shares = report_for(record, policy).shares
    assert [(s.recipient, s.to, s.version, s.status) for s in shares][-1] == (
        "London Borough of Hackney",
        "hana@hackney.example",
        "1 (PDF)",
        "NOT delivered: permanent-failure",
    )
    assert (
        "Report version 1 (PDF) shared with London Borough of Hackney (hana@hackney.example) by "
        "GOV.UK Notify, file by email; SHA-256 abababababababab...; Notify id n-1"
    ) in markdown.replace("\\", "")
