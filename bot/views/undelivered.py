"""What MHCLG is told in its triage channel (on Slack) when a message the bot sent on its own
did not reach an organisation on Microsoft Teams: a page or an escalation that nobody on Teams
saw is a contract deadline at risk, and MHCLG can phone the provider while the bot retries.

The reasons are the adapters' own words (what Teams answered, or that the CIR app is not yet in
the organisation's team): never anything a person typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.incident import Incident
from bot.policy.model import Council
from bot.ports.chat import OutboundMessage
from bot.views.card import Fact


def undelivered_on_teams(
    incident: Incident,
    council: Council | None,
    what: str,
    failures: Sequence[Mapping[str, Any]],
    *,
    retrying: bool,
) -> OutboundMessage:
    """`what` is the bot's name for the message ("The page", "Escalation level 2")."""
    place = f"{incident.reference} · {council.name if council else incident.council_id}"
    then = (
        "The bot keeps trying; meanwhile, reach them another way."
        if retrying
        else "The bot has stopped trying this route: reach them another way."
    )
    facts = tuple(
        Fact(str(f.get("recipient") or f.get("recipient_kind") or "Teams"), str(f.get("error")))
        for f in failures
    )
    return OutboundMessage(
        text=f"{what} for {incident.reference} did not reach Microsoft Teams. {then}",
        title=f"Not delivered on Teams: {place}",
        marking=incident.marking.value,
        facts=facts,
        urgent=True,
    )
