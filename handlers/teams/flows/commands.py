"""What a person types to the bot in Teams (mentioning it in a channel, or in a chat): "help",
"status" (their organisation's open incidents), "note CIR-2026-0001 <text>" (a fact on the
incident's timeline), "report" (reporting an incident: MHCLG's CIR team logs referrals, so
anyone else is told so, by the same rule as `/cir report` on Slack) and "report CIR-2026-0001"
(the post-incident report MHCLG shared with the council). Anything else is answered with the
help."""

from __future__ import annotations

import re

from bot.domain.actors import Actor
from bot.domain.errors import NotAuthorised
from bot.domain.events import NoteAdded
from bot.domain.uk_time import uk_time
from bot.usecases.directory import authorise_referral
from bot.usecases.notes import AddNote, NoteSource, add_note
from bot.views.home import open_incidents
from handlers.acting import Asker, acting
from handlers.teams.flows.common import changed
from handlers.teams.flows.report import council_report
from handlers.teams.identity import TeamsEdge
from handlers.teams.mirroring import mirror_from_teams

HELP = (
    "CIR bot on Teams. Type:\n"
    "• help: this list\n"
    "• status: your organisation's open incidents\n"
    "• note CIR-2026-0001 <text>: put a fact on an incident's timeline\n"
    "• report: how to report a cyber incident at your council to MHCLG\n"
    "• report CIR-2026-0001: the post-incident report MHCLG shared with your council\n"
    "Everything else is on the incident's card: acknowledge, contact made, MoU, status "
    "updates, notes, phases, recovery, lessons learned, declining support."
)
HOW_TO_REPORT = (
    "Report the incident to the NCSC (report.ncsc.gov.uk) and tell MHCLG's CIR team directly, "
    "from a phone or email account the attacker cannot reach; they log it, and its card is "
    "posted here."
)
_MENTION = re.compile(r"<at>[^<]{0,200}</at>")


def words_of(text: str) -> str:
    """The text without the @mention of the bot Teams puts in front in a channel."""
    return _MENTION.sub(" ", text).strip()


@acting
async def status(edge: TeamsEdge, actor: Actor, asker: Asker) -> None:
    rows = await open_incidents(edge.deps.uow(), edge.deps.ctx, actor)
    if not rows:
        await edge.say("No open incidents for your organisation.")
        return
    lines = ["Open incidents:"]
    for row in rows:
        due = (
            f"; next: {row.next_deadline[0]} at {uk_time(row.next_deadline[1])}"
            if row.next_deadline
            else ""
        )
        lines.append(
            f"• [{row.marking}] {row.reference} {row.council}: {row.state} ({row.age}){due}"
        )
    await edge.say("\n".join(lines))


@acting
async def note(edge: TeamsEdge, actor: Actor, asker: Asker, key: str, text: str) -> None:
    cmd = AddNote(actor, key, text, NoteSource.SLASH, f"teams:{edge.activity.id}")
    incident = await add_note(cmd, edge.deps.uow(), edge.deps.ctx)
    changed(edge, incident.id)
    mirror_from_teams(
        edge.deps, incident, actor, NoteAdded(text=text.strip(), source=cmd.source.value)
    )
    await edge.say(f"Added to the timeline of {incident.reference}.")


@acting
async def report(edge: TeamsEdge, actor: Actor, asker: Asker) -> None:
    try:
        authorise_referral(actor)  # the rule of `/cir report`
    except NotAuthorised as refused:
        await edge.say(f"{refused} {HOW_TO_REPORT}")
        return
    await edge.say("Log the referral on Slack with /cir report: the referral form is there.")


async def command(edge: TeamsEdge, asker: Asker, text: str) -> None:
    said = words_of(text)
    first, _, rest = said.partition(" ")
    verb = first.lower()
    if verb == "status":
        await status(edge, asker)
    elif verb == "report" and rest.strip():
        await council_report(edge, asker, rest.strip().split()[0])
    elif verb == "report":
        await report(edge, asker)
    elif verb == "note":
        key, _, body = rest.strip().partition(" ")
        if not key or not body.strip():
            await edge.say("Say which incident and what to note: note CIR-2026-0001 <text>")
            return
        await note(edge, asker, key, body.strip())
    else:
        await edge.say(HELP)
