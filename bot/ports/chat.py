"""What the core asks of a chat platform when it must reach people on its own (pages,
reminders, escalations), as opposed to answering a click. Slack implements it now, Teams later;
an incident that spans both is reached on every platform it is bound to.

`OutboundMessage.text` and `title` are written by the bot and must never contain user-typed
text; anything a person typed goes in a `Fact` with `user_text=True`, which each renderer
escapes for its platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.bindings import Platform
from bot.views.card import Button, Fact


@dataclass(frozen=True)
class OutboundMessage:
    text: str
    title: str = ""
    marking: str = "OFFICIAL"
    facts: tuple[Fact, ...] = ()
    buttons: tuple[Button, ...] = ()
    urgent: bool = False


@dataclass(frozen=True)
class ChatDelivery:
    ok: bool
    route: str  # e.g. "slack:C0KPMGPAGING", "slack:dm:U0DUTYMGR"
    error: str = ""
    # no retry can help (no chat platform, nobody configured): recorded, never retried
    final: bool = False


class ChatPort(Protocol):
    async def to_incident(self, incident_id: str, message: OutboundMessage) -> ChatDelivery:
        """Post in the incident's own channel(s)."""
        ...

    async def to_channel(self, channel: str, message: OutboundMessage) -> ChatDelivery:
        """Post in a configured channel (a provider's paging channel, the triage channel)."""
        ...

    async def to_person(self, user: str, message: OutboundMessage) -> ChatDelivery:
        """A direct message to a configured person (a platform user id from config/)."""
        ...

    async def invite_provider(self, incident_id: str, provider_id: str) -> ChatDelivery:
        """Bring the provider's people into the incident's channel (Slack Connect / Teams)."""
        ...

    async def refresh_incident(self, incident_id: str) -> None:
        """Re-render the incident's cards after a change."""
        ...


class PlatformChats(Protocol):
    """Each chat platform's own port, for what must reach one platform and not the others: a
    Teams provider's page, an incident mirrored from Slack to Teams. None: not configured.

    On Teams, `to_channel` takes an organisation as `Actor.organisation` spells it
    (`provider:kpmg`: the conversation where its app was installed) and `to_person` a
    contact's Entra object id (`Contact.teams_user`)."""

    def on(self, platform: Platform) -> ChatPort | None: ...
