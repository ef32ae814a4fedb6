"""Sharing the post-incident report as a file by GOV.UK Notify, on SQLite and PostgreSQL, over
real HTTP against the Notify stand-in (which checks the upload as Notify does): the council,
MHCLG, NCSC and GC3 each receive the PDF; every email is logged with the file's SHA-256 and
Notify's id; what became of it is asked of Notify later and shown; a file over 2 MB is refused
before anything is sent."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from bot.domain.bindings import Platform
from bot.domain.deadlines import DeadlineKind
from bot.domain.errors import DomainError, InvalidInput, NotAuthorised
from bot.domain.report_shares import DELIVERY_CHECKS, ReportFormat, ShareState, share_statuses
from bot.domain.states import State
from bot.reporting.markdown import render_markdown
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps
from bot.usecases.presence import presence
from bot.usecases.report_issue import (
    GenerateReport,
    RecordReportGenerated,
    prepare_report,
    record_report_generated,
    recorded_report,
)
from bot.usecases.sharing import FileTooLarge, ReportFile, ShareReport, share_report
from handlers.notify.client import NotifyNotifier
from handlers.report.pdf import render_pdf
from sandbox.notify.api import FakeNotifyApi
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import ASSESSOR, KPMG_RESPONDER
from tests.fakes.chat import RecordingChat
from tests.integration.response_steps import (
    FOLLOWUPS,
    events,
    pending,
    refused,
    responding,
    scheduler,
    timeline,
)
from tests.integration.test_lessons import closed

CHECK = DeadlineKind.REPORT_DELIVERY_CHECK

COUNCIL_ADDRESSES = ["hana@hackney.example", "ciso@hackney.example"]  # referral, then register


@pytest.fixture
async def notify() -> AsyncIterator[tuple[FakeNotifyApi, NotifyNotifier]]:
    async with FakeNotifyApi() as api:
        notifier = NotifyNotifier(
            api.api_key,
            api.base_url,
            api.email_template_id,
            api.sms_template_id,
            file_template_id=api.file_template_id,
            base_delay=0.01,
        )
        yield api, notifier
        await notifier.close()


async def generated(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, pdf: bytes | None = None
) -> tuple[str, bytes, bytes]:
    """A closed incident with version 1 of its report generated and recorded, as the Slack edge
    does it; `pdf` stands in for the rendered PDF when a test needs one of a given size."""
    incident = await closed(uows, ctx)
    draft = await prepare_report(GenerateReport(ASSESSOR, incident.id), uows(), ctx)
    pdf = render_pdf(draft.report) if pdf is None else pdf
    markdown = render_markdown(draft.report).encode()
    record = RecordReportGenerated.of(ASSESSOR, draft, pdf, markdown, "https://slack.example/f")
    await record_report_generated(record, uows(), ctx)
    return incident.id, pdf, markdown


def pdf_file(content: bytes) -> ReportFile:
    return ReportFile(1, ReportFormat.PDF, content, "cir-2026-0001-post-incident-report-v1.pdf")


async def share(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, notifier: NotifyNotifier, key: str, to: str,
    file: ReportFile, actor=ASSESSOR,
):  # fmt: skip
    deps = FiringDeps(ctx=ctx, chat=RecordingChat(), notifier=notifier)
    return await share_report(ShareReport(actor, key, to, file), uows(), ctx, FOLLOWUPS, deps)


async def test_the_report_reaches_the_council_mhclg_ncsc_and_gc3_as_notify_files(
    uow_factory, ctx, notify
) -> None:
    api, notifier = notify
    incident_id, pdf, _ = await generated(uow_factory, ctx)
    # the version recorded can be rebuilt byte for byte: a share sends exactly what was filed
    recorded = await recorded_report(ASSESSOR, incident_id, uow_factory(), ctx)
    assert render_pdf(recorded.draft.report) == pdf

    for recipient in ("council", "mhclg", "ncsc", "gc3"):
        outcome = await share(uow_factory, ctx, notifier, incident_id, recipient, pdf_file(pdf))
        assert outcome.ok
    expected = [
        *COUNCIL_ADDRESSES,
        FOLLOWUPS.report_recipients["mhclg"].email,
        FOLLOWUPS.report_recipients["ncsc"].email,
        FOLLOWUPS.report_recipients["gc3"].email,
    ]
    assert [sent["to"] for sent in api.sent] == expected
    for sent in api.sent:
        assert sent["template_id"] == api.file_template_id
        link = sent["personalisation"]["link_to_file"]
        upload = api.files[link]  # the stand-in replaced the file with its download link
        assert upload["content"] == pdf
        assert upload["filename"] == "cir-2026-0001-post-incident-report-v1.pdf"
        assert upload["confirm_email_before_download"] is True
        assert upload["retention_period"] == "26 weeks"
        assert link in sent["content"]["body"]
        assert "slack" not in sent["content"]["body"].lower()
        assert (
            sent["content"]["subject"] == "[OFFICIAL] Post-incident report CIR-2026-0001, version 1"
        )

    shares = await events(uow_factory, incident_id, "ReportShared")
    digest = hashlib.sha256(pdf).hexdigest()
    assert [(e.data["recipient"], e.data["to"]) for e in shares] == list(
        zip(["council", "council", "mhclg", "ncsc", "gc3"], expected, strict=True)
    )
    assert {e.data["sha256"] for e in shares} == {digest}
    assert [e.data["notification_id"] for e in shares] == [s["id"] for s in api.sent]
    assert all(e.data["ok"] and e.data["route"] == "notify_file" for e in shares)
    assert len(await pending(uow_factory, incident_id, CHECK)) == 5
    async with uow_factory() as uow:
        incident = await uow.incidents.get(incident_id)
    assert incident is not None
    assert incident.state is State.REPORT_ISSUED


async def test_delivery_is_asked_of_notify_and_a_failure_is_logged_told_and_shown(
    uow_factory, ctx, clock, notify
) -> None:
    api, notifier = notify
    incident_id, pdf, _ = await generated(uow_factory, ctx)
    api.deliver_as("incidents@ncsc.example", "permanent-failure")
    api.deliver_as("gc3-reports@gc3.example", "sending")
    for recipient in ("ncsc", "gc3", "mhclg"):
        await share(uow_factory, ctx, notifier, incident_id, recipient, pdf_file(pdf))
    chat = RecordingChat()
    sweep = scheduler(uow_factory, ctx, chat, notifier)

    clock.advance(DELIVERY_CHECKS[0])
    assert await sweep.fire_due() == 3
    assert api.status_requests == 3
    checked = {
        e.data["to"]: e.data
        for e in await events(uow_factory, incident_id, "ReportDeliveryChecked")
    }
    assert checked["incidents@ncsc.example"]["state"] == "failed"
    assert checked["incidents@ncsc.example"]["detail"] == "permanent-failure"
    assert checked["cir-reports@mhclg.example"]["state"] == "delivered"
    assert "gc3-reports@gc3.example" not in checked  # still sending: asked again later
    [told] = chat.to(f"incident:{incident_id}")
    assert "could not deliver" in told.text
    assert "incidents@ncsc.example (NCSC)" in told.text

    lines = (await presence(uow_factory(), ctx, incident_id, Platform.SLACK)).report_shares
    assert any(
        line.startswith("NCSC (incidents@ncsc.example)") and "FAILED" in line for line in lines
    )
    assert any(line.startswith("MHCLG (") and line.endswith(": delivered") for line in lines)
    assert any(line.startswith("GC3 (") and "not yet confirmed" in line for line in lines)

    # GC3's email stays "sending" through every check: after the last it is unconfirmed
    for gap in DELIVERY_CHECKS[1:]:
        clock.set(clock.now() + gap)
        await sweep.fire_due()
    statuses = share_statuses(await timeline(uow_factory, incident_id))
    assert [s.state for s in statuses] == [
        ShareState.FAILED,
        ShareState.UNCONFIRMED,
        ShareState.DELIVERED,
    ]
    assert api.status_requests == 3 + len(DELIVERY_CHECKS) - 1
    assert not await pending(uow_factory, incident_id, CHECK)


async def test_over_two_megabytes_is_refused_plainly_and_nothing_is_sent(
    uow_factory, ctx, notify
) -> None:
    api, notifier = notify
    big = b"%PDF-1.4\n" + b"x" * (2 * 1024 * 1024)
    incident_id, _, markdown = await generated(uow_factory, ctx, pdf=big)
    with pytest.raises(FileTooLarge, match=r"is 2\.0 MB: GOV.UK Notify sends files of up to 2 MB"):
        await share(uow_factory, ctx, notifier, incident_id, "ncsc", pdf_file(big))
    assert api.sent == []
    assert not await events(uow_factory, incident_id, "ReportShared")

    # the Markdown, a fraction of the size, goes as the plain text it is (Notify refuses .md)
    text = ReportFile(1, ReportFormat.MARKDOWN, markdown, "cir-2026-0001-report-v1.txt")
    assert (await share(uow_factory, ctx, notifier, incident_id, "ncsc", text)).ok
    [sent] = api.sent
    assert api.files[sent["personalisation"]["link_to_file"]]["content"] == markdown


async def test_only_mhclg_shares_only_after_closure_only_the_recorded_file(
    uow_factory, ctx, notify
) -> None:
    api, notifier = notify
    active = await responding(uow_factory, ctx)
    with pytest.raises(DomainError, match="shared after closure"):
        await share(uow_factory, ctx, notifier, active.id, "ncsc", pdf_file(b"%PDF"))
    incident_id, pdf, _ = await generated(uow_factory, ctx)
    with pytest.raises(NotAuthorised, match="Only MHCLG"):
        await share(uow_factory, ctx, notifier, incident_id, "ncsc", pdf_file(pdf), KPMG_RESPONDER)
    with pytest.raises(InvalidInput, match="the council, MHCLG, NCSC, GC3"):
        await share(uow_factory, ctx, notifier, incident_id, "camden", pdf_file(pdf))
    with pytest.raises(DomainError, match="SHA-256 differs"):
        await share(uow_factory, ctx, notifier, incident_id, "ncsc", pdf_file(pdf + b" "))
    stale = ReportFile(2, ReportFormat.PDF, pdf, "v2.pdf")
    with pytest.raises(DomainError, match="not the newest"):
        await share(uow_factory, ctx, notifier, incident_id, "ncsc", stale)
    assert api.sent == []
    assert await events(uow_factory, incident_id, "ReportShared") == []
    assert await refused(uow_factory, incident_id) == [(KPMG_RESPONDER.user_id, "share_report")]


async def test_a_failed_upload_is_logged_with_notifys_words_and_nothing_is_issued(
    uow_factory, ctx, notify
) -> None:
    api, notifier = notify
    incident_id, pdf, _ = await generated(uow_factory, ctx)
    api.templates.pop(api.file_template_id)  # e.g. the template was deleted in Notify
    outcome = await share(uow_factory, ctx, notifier, incident_id, "gc3", pdf_file(pdf))
    assert not outcome.ok
    [shared] = await events(uow_factory, incident_id, "ReportShared")
    assert shared.data["ok"] is False
    assert "Template not found" in shared.data["error"]
    assert not await pending(uow_factory, incident_id, CHECK)
    async with uow_factory() as uow:
        incident = await uow.incidents.get(incident_id)
    assert incident is not None
    assert incident.state is State.CLOSED
