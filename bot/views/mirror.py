"""What the incident's participants on the other platform are shown when something is said or
done on one: a status update, a phase change, a timeline note, contact made. Built from the
same typed timeline payloads the record holds, so a mirrored line says what the timeline says.

Each names who said it and for which organisation ("Jo Bloggs (KPMG)"). That name, and
everything else a person typed, is a `Fact` with `user_text=True`; `text` and `title` are the
bot's own words, so each platform's renderer escapes what it must.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.actors import Actor, OrgKind
from bot.domain.bindings import Platform
from bot.domain.engagement import ContactMethod
from bot.domain.events import ContactRecorded, NoteAdded, StateChanged, StatusUpdatePosted
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.domain.uk_time import clock_time
from bot.policy.model import Policy
from bot.ports.chat import OutboundMessage
from bot.usecases.contact import ContactResult
from bot.usecases.participants import organisation_name
from bot.usecases.phases import PhaseChanged
from bot.views.card import Fact

Mirrored = StatusUpdatePosted | StateChanged | NoteAdded | ContactRecorded
PLATFORM_NAMES = {Platform.SLACK: "Slack", Platform.TEAMS: "Microsoft Teams"}


def said_by(actor: Actor, policy: Policy) -> str:
    """'Jo Bloggs (KPMG)': the person as their platform names them, and their organisation."""
    return f"{actor.name} ({organisation_name(actor.organisation, policy)})"


def _label(value: str) -> str:
    try:
        return State(value).label
    except ValueError:
        return value


def _method(value: str) -> str:
    try:
        return ContactMethod(value).label
    except ValueError:
        return value.replace("_", " ")


def _when(value: str) -> str:
    try:
        return clock_time(datetime.fromisoformat(value))
    except ValueError:
        return "a time not recorded"


def mirror_message(
    incident: Incident, actor: Actor, what: Mirrored, policy: Policy, *, origin: Platform
) -> OutboundMessage:
    """The message for the other platform(s); `origin` is where it was said or done."""
    ref, where = incident.reference, PLATFORM_NAMES[origin]
    who = Fact("From", said_by(actor, policy), user_text=True)
    facts: list[Fact]
    if isinstance(what, StatusUpdatePosted):
        title, text = f"Status update: {ref}", f"Status update on {ref}, posted on {where}."
        facts = [
            who,
            Fact("What changed", what.what_changed, user_text=True),
            Fact("Current impact", what.impact, user_text=True),
            Fact("Next steps", what.next_steps, user_text=True),
        ]
    elif isinstance(what, StateChanged):
        title = f"Phase change: {ref}"
        text = (
            f"{ref} moved from {_label(what.from_state)} to {_label(what.to_state)} "
            f"(changed on {where})."
        )
        facts = [who]
        if what.summary:
            facts.append(Fact("Summary", what.summary, user_text=True))
    elif isinstance(what, NoteAdded):
        title, text = f"Timeline note: {ref}", f"A note was added to {ref}'s timeline on {where}."
        facts = [who, Fact("Note", what.text, user_text=True)]
    else:
        verdict = {True: "within", False: "after", None: "against"}[what.met_deadline]
        title = f"Contact made: {ref}"
        text = (
            f"{ref}: the provider recorded contact with the council at {_when(what.contact_at)}, "
            f"{_method(what.method)}, {verdict} the contact deadline (recorded on {where}). "
            "The incident is now in containment."
        )
        facts = [who]
        if what.notes:
            facts.append(Fact("Notes", what.notes, user_text=True))
    return OutboundMessage(
        text=text, title=title, marking=incident.marking.value, facts=tuple(facts)
    )


def phase_changed(result: PhaseChanged, summary: str) -> StateChanged:
    """A phase change as the timeline holds it, from the use case's result."""
    return StateChanged(
        from_state=result.previous.value,
        to_state=result.incident.state.value,
        summary=summary.strip() or None,
    )


def contact_made(result: ContactResult) -> tuple[Actor, ContactRecorded] | None:
    """Who recorded contact made (for their provider), and what the timeline holds."""
    if result.recorded is None:
        return None
    e = result.engagement
    return Actor(e.contact_by, e.contact_by_name, OrgKind.PROVIDER, e.provider_id), result.recorded
