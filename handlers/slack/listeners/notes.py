"""Timeline notes: `/cir note <text>` in an incident's channel, and the "Add to timeline" message
shortcut, which records a message already said in the channel. Both answer the person privately;
a slash note is also posted, since nobody else saw the command."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.domain.bindings import Platform
from bot.domain.errors import NotFound
from bot.domain.events import NoteAdded
from bot.usecases.notes import AddNote, NoteSource, add_note
from bot.usecases.presence import incident_for_channel
from handlers.acting import Asker, answered
from handlers.slack.askers import of_action, of_command
from handlers.slack.context import SlackDeps
from handlers.slack.ids import Shortcut
from handlers.slack.listeners.subcommands import Subcommand
from handlers.slack.mirroring import mirror_from_slack
from handlers.slack.render.messages import note_posted_message

ADD_TO_TIMELINE = Shortcut.ADD_TO_TIMELINE.value  # the callback id in slack/manifest.yml
OUTSIDE = "Timeline notes go in an incident's channel: run this there."


@answered
async def _add(deps: SlackDeps, asker: Asker, text: str, source: NoteSource, key: str = "") -> None:
    channel = asker.channel
    incident = await incident_for_channel(deps.uow(), Platform.SLACK, channel) if channel else None
    if incident is None:
        raise NotFound(OUTSIDE)
    actor = await deps.actor_of(asker)  # after the channel, so outside one that is all they hear
    cmd = AddNote(actor, incident.id, text, source, idempotency_key=key)
    incident = await add_note(cmd, deps.uow(), deps.ctx)
    if source is NoteSource.SLASH:
        await deps.room.post(incident.id, *note_posted_message(incident, actor.name, text))
    await deps.tell(asker, f"Added to the timeline of {incident.reference}.")
    mirror_from_slack(deps, incident, actor, NoteAdded(text=text.strip(), source=source.value))


async def _note_command(deps: SlackDeps, command: dict[str, Any], args: list[str]) -> None:
    # the raw text after "note", so line breaks and spacing survive
    parts = (command.get("text") or "").strip().split(None, 1)
    text = parts[1] if len(parts) > 1 else ""
    await _add(deps, of_command(command), text, NoteSource.SLASH)


SUBCOMMANDS = {
    "note": Subcommand(
        "/cir note <text>", "put a fact on the incident's timeline (in its channel)", _note_command
    )
}


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.shortcut(ADD_TO_TIMELINE)
    async def add_to_timeline(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        asker = of_action(body)
        message = body.get("message") or {}
        key = f"{asker.channel}:{message.get('ts', '')}"
        text = str(message.get("text") or "")
        deps.tasks.spawn(_add(deps, asker, text, NoteSource.MESSAGE_SHORTCUT, key))
