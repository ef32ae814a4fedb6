"""One sanitiser, every output: the same hostile text (a live link, Slack and Teams mentions, a
right-to-left override, zero-width and C0/C1 control characters) typed into a referral reaches
Slack mrkdwn, the Markdown report, the PDF report (read back with pypdf) and a Notify email
(read back from the stand-in) with links defanged, mentions neutralised and the invisible
characters gone."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from pypdf import PdfReader

from bot.domain.report_shares import ReportFormat
from bot.policy.model import Policy
from bot.ports.notify import Attachment
from bot.reporting.markdown import render_markdown
from bot.usecases.sharing import Addressee, ReportFile, share_email
from bot.views.sanitise import FULLWIDTH_AT, clean, neutralise_mentions, sanitise
from handlers.notify.client import NotifyNotifier
from handlers.report.pdf import render_pdf
from handlers.slack.escape import user_text
from sandbox.notify.api import FakeNotifyApi
from tests.report_record import full_record, new_incident, report_for

HOSTILE = (
    "Open https://evil.example/pay now, or www.evil.example; ping <!here> <@U0KPMG1> @channel "
    "<at>Everyone</at>; invoice\u202efdp.exe\u200b\u2066x\u2069\x07\x1b[31m\x85 done"
)
INVISIBLE = ["\u202e", "\u200b", "\u2066", "\u2069", "\x07", "\x1b", "\x85"]


def assert_safe(text: str) -> None:
    flat = text.replace("\\", "")  # Markdown backslashes its own punctuation
    assert "https://" not in flat
    assert "www.evil" not in flat
    assert "evil.example/" not in flat
    assert "hxxps://evil[.]example" in flat
    for ch in INVISIBLE:
        assert ch not in text, f"{ch!r} survived"
    assert "<!here>" not in text
    assert "<@U0KPMG1>" not in text
    assert "<at>" not in text
    assert "invoicefdp.exe" in flat  # the override is gone: the true order shows


def test_the_core_sanitiser_removes_defangs_and_neutralises() -> None:
    assert clean("a\u202eb\u200bc") == "abc"
    assert clean("line\r\nnext\u2028third\ttab\x00") == "line\nnext\nthird\ttab"
    assert clean("\x85\x9f\x7f") == ""
    assert neutralise_mentions("<!here> <!subteam^S1|@cir> <@U1|ana> <#C1|general>") == (
        f"{FULLWIDTH_AT}here {FULLWIDTH_AT}cir {FULLWIDTH_AT}ana #general"
    )
    assert neutralise_mentions("mail ana@here.example about @Everyone") == (
        f"mail ana@here.example about {FULLWIDTH_AT}Everyone"
    )
    assert sanitise(sanitise(HOSTILE)) == sanitise(HOSTILE)  # safe to apply twice
    assert_safe(sanitise(HOSTILE))


def test_slack_text_is_sanitised_then_escaped() -> None:
    shown = user_text(HOSTILE)
    assert_safe(shown)
    assert "<" not in shown
    assert ">" not in shown


def test_the_markdown_report_is_sanitised(policy: Policy) -> None:
    markdown = render_markdown(report_for(full_record(new_incident(HOSTILE)), policy))
    assert "invoice" in markdown
    assert_safe(markdown)


def test_the_pdf_report_has_no_live_link_and_no_invisible_characters(policy: Policy) -> None:
    pdf = render_pdf(report_for(full_record(new_incident(HOSTILE)), policy))
    assert b"/URI" not in pdf  # no link annotation either
    text = " ".join(
        (page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages
    ).replace("\n", " ")
    squashed = text.replace(" ", "")
    assert "hxxps://evil[.]example" in squashed
    assert "https://" not in squashed
    assert "www.evil" not in squashed
    assert "invoicefdp.exe" in squashed
    for ch in INVISIBLE:
        assert ch not in text


@pytest.fixture
async def notify() -> AsyncIterator[FakeNotifyApi]:
    async with FakeNotifyApi() as api:
        yield api


async def test_an_email_carries_the_sharers_name_sanitised(notify: FakeNotifyApi) -> None:
    incident = new_incident()
    file = ReportFile(1, ReportFormat.PDF, b"%PDF-1.4", "report.pdf")
    subject, body = share_email(incident, Addressee(HOSTILE, "a@b.example"), file, HOSTILE, 26)
    notifier = NotifyNotifier(
        notify.api_key,
        notify.base_url,
        notify.email_template_id,
        notify.sms_template_id,
        file_template_id=notify.file_template_id,
    )
    try:
        attachment = Attachment(file.content, file.filename, 26)
        delivery = await notifier.send_file(
            "ncsc@example.gov.uk", subject, body, attachment, reference="r"
        )
    finally:
        await notifier.close()
    assert delivery.ok
    [sent] = notify.sent
    link = sent["personalisation"]["link_to_file"]
    received = sent["content"]["body"]
    assert link in received  # Notify's own download link stays a link
    assert_safe(sent["personalisation"]["body"])


async def test_notify_strips_controls_from_any_body(notify: FakeNotifyApi) -> None:
    notifier = NotifyNotifier(
        notify.api_key, notify.base_url, notify.email_template_id, notify.sms_template_id
    )
    try:
        await notifier.send_sms("07700900123", "Escalation\u202e for\x07 CIR", reference="r")
    finally:
        await notifier.close()
    assert notify.sent[0]["personalisation"]["body"] == "Escalation for CIR"
