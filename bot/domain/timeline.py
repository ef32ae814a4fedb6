"""Timeline events are append-only and hash-chained so tampering with the record is detectable.

Security logs must be attributable and hard to tamper with (see DOMAIN.md); each event's hash
covers its content and the previous event's hash, so editing or deleting any row breaks the chain
from that point on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event raised by the aggregate, not yet placed in the chain."""

    kind: str
    actor_id: str
    actor_name: str
    organisation: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    incident_id: str
    seq: int
    kind: str
    actor_id: str
    actor_name: str
    organisation: str
    at: datetime
    data: dict[str, Any]
    prev_hash: str
    hash: str


def _canonical(
    incident_id: str, seq: int, event: NewEvent | TimelineEvent, prev_hash: str
) -> bytes:
    body = {
        "incident_id": incident_id,
        "seq": seq,
        "kind": event.kind,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "organisation": event.organisation,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "data": event.data,
        "prev_hash": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain(incident_id: str, seq: int, event: NewEvent, prev_hash: str) -> TimelineEvent:
    digest = hashlib.sha256(_canonical(incident_id, seq, event, prev_hash)).hexdigest()
    return TimelineEvent(
        incident_id=incident_id,
        seq=seq,
        kind=event.kind,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        organisation=event.organisation,
        at=event.at,
        data=event.data,
        prev_hash=prev_hash,
        hash=digest,
    )


@dataclass(frozen=True, slots=True)
class ChainBreak:
    incident_id: str
    seq: int
    reason: str


def verify(events: list[TimelineEvent]) -> list[ChainBreak]:
    """Check one incident's events (ordered by seq) and name every place the chain is broken."""
    breaks: list[ChainBreak] = []
    prev = GENESIS_HASH
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            breaks.append(
                ChainBreak(event.incident_id, event.seq, f"missing event(s) before seq {event.seq}")
            )
        if event.prev_hash != prev:
            breaks.append(ChainBreak(event.incident_id, event.seq, "previous-hash link broken"))
        recomputed = hashlib.sha256(
            _canonical(event.incident_id, event.seq, event, event.prev_hash)
        ).hexdigest()
        if recomputed != event.hash:
            breaks.append(ChainBreak(event.incident_id, event.seq, "content does not match hash"))
        prev = event.hash
        expected_seq = event.seq + 1
    return breaks
