"""Timeline events are append-only and MAC-chained so tampering with the record is detectable.

Security logs must be attributable and hard to tamper with (see DOMAIN.md); each event's `hash`
is an HMAC-SHA256, under the service's timeline key, of its content and the previous event's
hash, so editing or deleting any row breaks the chain from that point on. A plain hash could be
recomputed by anyone who can write to the database; the MAC needs the key, which the database
does not hold. What the chain alone cannot show (its last events or all of it deleted, the
incident's council or provider changed) is covered by the keyed chain head (bot.domain.seal).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS_HASH = "0" * 64
MIN_KEY_BYTES = 32


class TimelineKey:
    """The secret the chain is keyed with. Never printed: its repr says only that it is one."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_KEY_BYTES:
            raise ValueError(f"a timeline key needs at least {MIN_KEY_BYTES} bytes")
        self._secret = secret

    def mac(self, message: bytes) -> str:
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "TimelineKey(…)"


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


def chain(
    key: TimelineKey, incident_id: str, seq: int, event: NewEvent, prev_hash: str
) -> TimelineEvent:
    digest = key.mac(_canonical(incident_id, seq, event, prev_hash))
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


def content_matches(key: TimelineKey, event: TimelineEvent) -> bool:
    """The event's content is what its MAC was made over."""
    recomputed = key.mac(_canonical(event.incident_id, event.seq, event, event.prev_hash))
    return hmac.compare_digest(recomputed, event.hash)


def redacted_mac(key: TimelineKey, event: TimelineEvent) -> str:
    """The MAC a purge record keeps of an event's redacted form (bot.domain.purge): its content
    as it stays, bound to its place in the chain (prev_hash) and to its original MAC."""
    canonical = _canonical(event.incident_id, event.seq, event, event.prev_hash)
    return key.mac(b"redacted:" + canonical + event.hash.encode())


class Tamper(StrEnum):
    """The kinds of tampering verify-timeline names."""

    EDITED = "event edited"
    MISSING = "events missing"
    LINK = "chain link broken"
    TAIL_DELETED = "last events deleted"
    ALL_DELETED = "all events deleted"
    UNCHAINED = "events after the chain head"
    HEAD_MISSING = "chain head missing"
    HEAD_FORGED = "chain head forged"
    BINDING_CHANGED = "council or provider changed"
    INCIDENT_DELETED = "incident deleted"
    COUNTER_FORGED = "reference counter forged"
    COUNTER_MISSING = "reference counter missing"
    COUNTER_REWOUND = "reference counter rewound"


@dataclass(frozen=True, slots=True)
class ChainBreak:
    incident_id: str
    seq: int
    reason: str
    kind: Tamper = Tamper.LINK


def verify(
    key: TimelineKey, events: list[TimelineEvent], vouched: Mapping[int, str] | None = None
) -> list[ChainBreak]:
    """Check one incident's events (ordered by seq) and name every place the chain is broken.

    `vouched`: seq -> MAC of the redacted form, for events a genuine purge record vouches for
    (bot.domain.purge.vouched): their content is checked against that, their links as ever."""
    breaks: list[ChainBreak] = []
    prev = GENESIS_HASH
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            breaks.append(
                ChainBreak(
                    event.incident_id,
                    event.seq,
                    f"missing event(s) before seq {event.seq}",
                    Tamper.MISSING,
                )
            )
        if event.prev_hash != prev:
            breaks.append(ChainBreak(event.incident_id, event.seq, "previous-hash link broken"))
        expected = (vouched or {}).get(event.seq)
        if expected is not None:
            intact = hmac.compare_digest(redacted_mac(key, event), expected)
        else:
            intact = content_matches(key, event)
        if not intact:
            breaks.append(
                ChainBreak(
                    event.incident_id, event.seq, "content does not match hash", Tamper.EDITED
                )
            )
        prev = event.hash
        expected_seq = event.seq + 1
    return breaks
