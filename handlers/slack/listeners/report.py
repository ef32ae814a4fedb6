"""The post-incident report in Slack: MHCLG presses "Generate report", the bot builds it from the
timeline, files the PDF and the Markdown in the incident channel, records the version and the
hashes, and offers "Share with MHCLG / NCSC / GC3", each an email by GOV.UK Notify with the link.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.domain.actors import Actor
from bot.domain.bindings import ChannelStatus, Platform
from bot.domain.errors import DomainError
from bot.reporting.markdown import render_markdown
from bot.usecases.report_issue import (
    GenerateReport,
    MarkReportIssued,
    RecordReportGenerated,
    ReportDraft,
    mark_report_issued,
    prepare_report,
    record_report_generated,
)
from bot.usecases.sharing import ShareReport, share_report
from bot.views.actions import Action
from handlers.report.pdf import render_pdf
from handlers.slack.context import SlackDeps
from handlers.slack.listeners.flows import tell
from handlers.slack.listeners.response import who
from handlers.slack.refusals import slack_error
from handlers.slack.render.common import action_pattern
from handlers.slack.render.lessons import report_ready_message, report_shared_message

log = logging.getLogger(__name__)


async def _channel(deps: SlackDeps, incident_id: str) -> str:
    async with deps.uow() as uow:
        binding = await uow.channels.for_incident(incident_id, Platform.SLACK)
    if binding is None or binding.status is not ChannelStatus.CREATED:
        raise DomainError("This incident has no Slack channel to file the report in.")
    return binding.channel_id


async def _file(deps: SlackDeps, draft: ReportDraft, actor: Actor, channel: str) -> str:
    """Upload both files and post the share buttons; returns the link a share sends."""
    incident, version = draft.incident, draft.version
    markdown = render_markdown(draft.report).encode()
    pdf = await asyncio.to_thread(render_pdf, draft.report)  # CPU-bound: keep the loop free
    stem = f"{str(incident.reference).lower()}-post-incident-report-v{version}"
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
        RecordReportGenerated(
            actor,
            incident.id,
            version,
            sha256=hashlib.sha256(pdf).hexdigest(),
            markdown_sha256=hashlib.sha256(markdown).hexdigest(),
            url=url,
        ),
        deps.uow(),
        deps.ctx,
    )
    return url


async def generate(deps: SlackDeps, user: str, team: str, channel: str, key: str) -> None:
    try:
        actor = await deps.identity.actor(user, team)
        draft = await prepare_report(GenerateReport(actor, key), deps.uow(), deps.ctx)
        room = await _channel(deps, draft.incident.id)
    except DomainError as exc:
        await tell(deps, user, channel, str(exc))
        return
    try:
        await _file(deps, draft, actor, room)
    except SlackApiError as exc:
        error = slack_error(exc)
        log.warning("report not filed", extra={"status": error})
        await tell(deps, user, channel, f"The report could not be filed in Slack ({error}).")
        return
    await deps.room.refresh(draft.incident.id)


async def share(deps: SlackDeps, user: str, team: str, channel: str, value: str) -> None:
    incident_id, _, recipient = value.partition(":")
    if deps.firing is None:
        await tell(deps, user, channel, "Email (GOV.UK Notify) is not wired up; nothing was sent.")
        return
    try:
        actor = await deps.identity.actor(user, team)
        cmd = ShareReport(actor, incident_id, recipient)
        policy = deps.ctx.policy
        delivery = await share_report(cmd, deps.uow(), deps.ctx, policy.followups, deps.firing)
    except DomainError as exc:
        await tell(deps, user, channel, str(exc))
        return
    if delivery.ok:
        await mark_report_issued(MarkReportIssued(actor, incident_id), deps.uow(), deps.ctx)
    async with deps.uow() as uow:
        incident = await uow.incidents.get(incident_id)
    if incident is not None:
        message = report_shared_message(incident, actor.name, recipient, delivery)
        await deps.room.post(incident.id, *message)
        await deps.room.refresh(incident.id)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    # one report at a time per incident, so two presses cannot both become "version 2"
    locks: dict[str, asyncio.Lock] = {}

    async def serialised(user: str, team: str, channel: str, key: str) -> None:
        async with locks.setdefault(key, asyncio.Lock()):
            await generate(deps, user, team, channel, key)

    @app.action(Action.GENERATE_REPORT.value)
    async def generate_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(serialised(*who(body), action["value"]))

    @app.action(action_pattern(Action.SHARE_REPORT))
    async def share_pressed(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(share(deps, *who(body), action["value"]))
