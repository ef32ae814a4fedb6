"""The post-incident report on Teams: a council reads the version MHCLG shared with it, as
messages in its conversation (Teams has no file upload for bots in a channel)."""

from __future__ import annotations

from bot.domain.actors import Actor
from bot.reporting.markdown import render_markdown
from bot.usecases.council_report import report_for_council
from handlers.acting import Asker, acting
from handlers.teams.connector import ConnectorError
from handlers.teams.identity import TeamsEdge
from handlers.teams.replies import markdown_messages

NOT_POSTED = "The report could not be posted here ({error}); MHCLG has sent it to you by email."


@acting
async def council_report(edge: TeamsEdge, actor: Actor, asker: Asker, key: str) -> None:
    recorded = await report_for_council(actor, key, edge.deps.uow(), edge.deps.ctx)
    draft = recorded.draft
    incident = draft.incident
    title = (
        f"[{incident.marking.value}] {incident.reference} post-incident report, "
        f"version {draft.version}"
    )
    activity = edge.activity
    try:
        for message in markdown_messages(title, render_markdown(draft.report)):
            await edge.deps.connector.send(activity.service_url, activity.conversation_id, message)
    except ConnectorError as exc:
        await edge.say(NOT_POSTED.format(error=f"Teams answered {exc.status} {exc.code}"))
