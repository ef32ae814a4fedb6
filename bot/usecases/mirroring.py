"""Mirroring: what is said and done on one platform reaches the incident's participants on the
other. An MHCLG assessor on Slack and a council on Teams see one incident: a status update,
phase change, timeline note or contact made on one platform is posted, marked with who said it
and for which organisation, on every OTHER platform the incident is on, and those platforms'
cards are redrawn from the stored state.

It runs after the change is committed (the record is the database, not the message), in the
background after the platform was answered. A platform that refuses or cannot be reached is
logged and reported in the returned deliveries; it never undoes or delays the change itself.

The message is built by the caller (`bot.views.mirror.mirror_message`): use cases do not import
views. Slack flows and Teams flows call it the same way, with their own `origin`.
"""

from __future__ import annotations

import asyncio
import logging

from bot.domain.bindings import Platform
from bot.domain.incident import Incident
from bot.policy.model import Policy
from bot.ports.chat import ChatDelivery, ChatPort, OutboundMessage, PlatformChats
from bot.usecases.platforms import platforms_of

log = logging.getLogger(__name__)


def elsewhere(
    chats: PlatformChats | None, incident: Incident, policy: Policy, origin: Platform
) -> list[tuple[Platform, ChatPort]]:
    """The incident's platforms other than `origin` that the service is configured for."""
    if chats is None:
        return []
    found = []
    for platform in platforms_of(incident, policy):
        port = chats.on(platform) if platform is not origin else None
        if port is not None:
            found.append((platform, port))
    return found


async def _post_and_redraw(
    platform: Platform,
    port: ChatPort,
    incident_id: str,
    message: OutboundMessage | None,
    redraw: bool = True,
) -> ChatDelivery | None:
    delivery = None
    if message is not None:
        try:
            delivery = await port.to_incident(incident_id, message)
        except Exception as exc:  # an adapter's bug: the other platforms still get theirs
            log.warning("mirror to %s raised %s", platform.value, type(exc).__name__, exc_info=True)
            delivery = ChatDelivery(False, f"{platform.value}:incident", type(exc).__name__)
        if not delivery.ok:
            log.warning(
                "mirror not delivered",
                extra={"route": delivery.route, "status": delivery.error[:200]},
            )
    if not redraw:
        return delivery
    try:
        await port.refresh_incident(incident_id)
    except Exception as exc:
        log.warning("%s card not redrawn: %s", platform.value, type(exc).__name__, exc_info=True)
    return delivery


async def mirror(
    chats: PlatformChats | None,
    policy: Policy,
    incident: Incident,
    message: OutboundMessage,
    *,
    origin: Platform,
    redraw: bool = True,
) -> list[ChatDelivery]:
    """Post `message` on each other platform of the incident and redraw its cards there (unless
    the caller redraws every platform's itself: `redraw=False`); the deliveries, one per
    platform reached (none when the incident is on one platform only)."""
    targets = elsewhere(chats, incident, policy, origin)
    results = await asyncio.gather(
        *(_post_and_redraw(p, port, incident.id, message, redraw) for p, port in targets)
    )
    return [d for d in results if d is not None]
