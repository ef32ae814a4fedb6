"""Each signed Slack delivery is acted on once, across replicas.

Slack retries an event (same `event_id`, new timestamp and signature) when the answer was slow
or failed; a slash command or interaction has no retry header at all, and anyone who captured
one can replay the same signed bytes for as long as the timestamp passes (five minutes). A key
per delivery, claimed in the database before Bolt sees the request, makes both a no-op: the
event's id for events, otherwise a hash of the signed timestamp and the exact body (a real
second click or command differs in its trigger_id and timestamps, so it gets its own key).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Protocol

from handlers.slack.verify import WINDOW_SECONDS, SignedRequest

# Slack retries an event three times over about an hour; a replayed body is refused as stale
# once its timestamp is outside the window, so its key is needed only that long (and a margin).
EVENT_KEY_SECONDS = 2 * 3600
BODY_KEY_SECONDS = 2 * WINDOW_SECONDS


class DeliveryLog(Protocol):
    async def claim(self, key: str, expires_at: datetime, now: datetime) -> bool:
        """True if the key was new (and is now taken); False if it was already claimed."""
        ...

    async def release(self, key: str) -> None:
        """Give the key back after the request failed, so Slack's retry of it is acted on."""
        ...


def delivery_key(request: SignedRequest) -> tuple[str, datetime]:
    """The key and when it may be forgotten; never the body itself (it holds incident detail)."""
    payload = request.payload
    event_id = payload.get("event_id") if payload.get("type") == "event_callback" else None
    if isinstance(event_id, str) and event_id:
        scope = f"{payload.get('team_id', '')}:{event_id}".encode()
        key = "event:" + hashlib.sha256(scope).hexdigest()
        expires = request.timestamp + EVENT_KEY_SECONDS
    else:
        signed = str(request.timestamp).encode() + b":" + request.raw
        key = "body:" + hashlib.sha256(signed).hexdigest()
        expires = request.timestamp + BODY_KEY_SECONDS
    return key, datetime.fromtimestamp(expires, UTC)
