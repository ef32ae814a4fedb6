"""The post-incident report in Slack: MHCLG presses "Generate report", the bot builds it from the
timeline, files the PDF and the Markdown in the incident channel, records the version and the
hashes, and offers "Share with the council / MHCLG / NCSC / GC3", each the file itself sent by
GOV.UK Notify (recipients outside the channel could not open a link into Slack).

A share sends the newest version's bytes: kept from its generation for a while, else rendered
again from the record (the use case checks they hash as recorded).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.domain.actors import Actor
from bot.domain.bindings import ChannelStatus, Platform
from bot.domain.errors import DomainError
from bot.domain.incident import Incident
from bot.domain.report_shares import Recipient, ReportFormat
from bot.ports.notify import FILE_LIMIT_BYTES
from bot.reporting.markdown import render_markdown
from bot.usecases.report_issue import (
    GenerateReport,
    RecordReportGenerated,
    ReportDraft,
    prepare_report,
    record_report_generated,
    recorded_report,
)
from bot.usecases.sharing import (
    FileTooLarge,
    ReportFile,
    ShareReport,
    share_report,
    size_text,
)
from bot.views.actions import Action
from handlers.acting import Asker, acting
from handlers.report.pdf import render_pdf
from handlers.slack.askers import of_action
from handlers.slack.context import SlackDeps
from handlers.slack.refusals import slack_error
from handlers.slack.render.common import action_pattern
from handlers.slack.render.lessons import (
    report_ready_message,
    report_shared_message,
    report_too_large_message,
)

log = logging.getLogger(__name__)
# The files of the last few versions generated here, by (incident id, version): a share right
# after generating sends them without rendering again. Bounded: a PDF can be megabytes.
_KEPT = 8
_files: OrderedDict[tuple[str, int], dict[ReportFormat, bytes]] = OrderedDict()
# The name each format is sent under. Notify refuses a ".md" file (it takes .txt, .pdf and a few
# office formats), so the Markdown travels as the plain text it is.
_SENT_AS = {ReportFormat.PDF: "pdf", ReportFormat.MARKDOWN: "txt"}


def _keep(incident_id: str, version: int, files: dict[ReportFormat, bytes]) -> None:
    _files[(incident_id, version)] = files
    while len(_files) > _KEPT:
        _files.popitem(last=False)


def _stem(draft: ReportDraft) -> str:
    return f"{str(draft.incident.reference).lower()}-post-incident-report-v{draft.version}"


async def _render(draft: ReportDraft) -> dict[ReportFormat, bytes]:
    kept = _files.get((draft.incident.id, draft.version))
    if kept is not None:
        return kept
    markdown = render_markdown(draft.report).encode()
    pdf = await asyncio.to_thread(render_pdf, draft.report)  # CPU-bound: keep the loop free
    return {ReportFormat.PDF: pdf, ReportFormat.MARKDOWN: markdown}


async def _channel(deps: SlackDeps, incident_id: str) -> str:
    async with deps.uow() as uow:
        binding = await uow.channels.for_incident(incident_id, Platform.SLACK)
    if binding is None or binding.status is not ChannelStatus.CREATED:
        raise DomainError("This incident has no Slack channel to file the report in.")
    return binding.channel_id


async def _file(deps: SlackDeps, draft: ReportDraft, actor: Actor, channel: str) -> str:
    """Upload both files and post the share buttons; returns the link a share sends."""
    incident, version = draft.incident, draft.version
    rendered = await _render(draft)
    pdf, markdown = rendered[ReportFormat.PDF], rendered[ReportFormat.MARKDOWN]
    stem = _stem(draft)
    title = f"[{incident.marking.value}] {incident.reference} post-incident report v{version}"
    uploaded = await deps.client.files_upload_v2(
        channel=channel,
        file_uploads=[
            {"file": pdf, "filename": f"{stem}.pdf", "title": f"{title} (PDF)"},
            {"file": markdown, "filename": f"{stem}.md", "title": f"{title} (Markdown)"},
        ],
    )
    text, blocks = report_ready_message(incident, version, actor.name)
    posted = await deps.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    files = uploaded.get("files") or []
    url = str(files[0].get("permalink", "")) if files else ""
    if not url:  # Slack's answer normally carries it; else link the message below the files
        link = await deps.client.chat_getPermalink(channel=channel, message_ts=posted["ts"])
        url = str(link.get("permalink", ""))
    await record_report_generated(
        RecordReportGenerated.of(actor, draft, pdf, markdown, url), deps.uow(), deps.ctx
    )
    _keep(incident.id, version, rendered)
    return url


@acting
async def generate(deps: SlackDeps, actor: Actor, asker: Asker, key: str) -> None:
    draft = await prepare_report(GenerateReport(actor, key), deps.uow(), deps.ctx)
    room = await _channel(deps, draft.incident.id)
    try:
        await _file(deps, draft, actor, room)
    except SlackApiError as exc:
        error = slack_error(exc)
        log.warning("report not filed", extra={"status": error})
        await deps.tell(asker, f"The report could not be filed in Slack ({error}).")
        return
    await deps.room.refresh(draft.incident.id)


def _parse_share(value: str) -> tuple[str, str, ReportFormat]:
    incident_id, _, rest = value.partition(":")
    recipient, _, fmt = rest.partition(":")
    try:
        return incident_id, recipient, ReportFormat(fmt or ReportFormat.PDF.value)
    except ValueError:
        raise DomainError("This share button is not one the bot made; nothing was sent.") from None


def _too_large(
    incident: Incident, recipient: Recipient, exc: FileTooLarge, markdown: bytes
) -> tuple[str, list[dict[str, Any]]]:
    """Notify's 2 MB: the Markdown is offered when it fits (it is plain text, so a long
    timeline makes it larger than the compressed PDF, and then it does not)."""
    fits = exc.format is ReportFormat.PDF and len(markdown) <= FILE_LIMIT_BYTES
    return report_too_large_message(incident, recipient, str(exc), size_text(len(markdown)), fits)


@acting
async def share(deps: SlackDeps, actor: Actor, asker: Asker, value: str) -> None:
    incident_id, recipient, fmt = _parse_share(value)
    recorded = await recorded_report(actor, incident_id, deps.uow(), deps.ctx)
    draft = recorded.draft
    files = await _render(draft)
    file = ReportFile(draft.version, fmt, files[fmt], f"{_stem(draft)}.{_SENT_AS[fmt]}")
    cmd = ShareReport(actor, incident_id, recipient, file)
    try:
        outcome = await share_report(
            cmd, deps.uow(), deps.ctx, deps.ctx.policy.followups, deps.firing
        )
    except FileTooLarge as exc:
        markdown = files[ReportFormat.MARKDOWN]
        message = _too_large(draft.incident, Recipient(recipient), exc, markdown)
        if not await deps.room.post(draft.incident.id, *message):
            await deps.tell(asker, message[0])
        return
    async with deps.uow() as uow:
        incident = await uow.incidents.get(draft.incident.id)
    if incident is not None:
        council = deps.ctx.policy.councils.get(incident.council_id)
        name = council.name if council else incident.council_id
        await deps.room.post(
            incident.id, *report_shared_message(incident, actor.name, outcome, name)
        )
        await deps.room.refresh(incident.id)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    # one report at a time per incident, so two presses cannot both become "version 2"
    locks: dict[str, asyncio.Lock] = {}

    async def serialised(asker: Asker, key: str) -> None:
        async with locks.setdefault(key, asyncio.Lock()):
            await generate(deps, asker, key)

    @app.action(Action.GENERATE_REPORT.value)
    async def generate_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(serialised(of_action(body), action["value"]))

    @app.action(action_pattern(Action.SHARE_REPORT))
    async def share_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(share(deps, of_action(body), action["value"]))
