"""The keyed chain head of each incident, and the keyed reference counters.

An event chain shows an edit or a gap anywhere before its last event, but not that its last
events, or all of them, were deleted, nor that the incident row around it changed. So each
incident has a head, kept in its own table and written in the same transaction as the events:
the last seq and MAC, with the incident's reference, council and providers, all under one MAC.
Deleting the tail leaves a head that points past the end; changing `incidents.council_id`
(which changes who may see the incident) no longer matches the head; a forged head needs the
key. Whole incidents are covered by the reference counters, which are gap-free by design and
now keyed too: every reference up to a year's (keyed) last number must still exist.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.purge import vouched
from bot.domain.timeline import ChainBreak, Tamper, TimelineEvent, TimelineKey, verify


@dataclass(frozen=True, slots=True)
class Binding:
    """What the head binds besides the chain: who the incident belongs to."""

    reference: str
    council_id: str
    provider_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Head:
    incident_id: str
    binding: Binding
    seq: int
    event_mac: str
    mac: str


def _message(prefix: str, body: dict[str, object]) -> bytes:
    return (prefix + json.dumps(body, sort_keys=True, separators=(",", ":"))).encode()


def head_mac(key: TimelineKey, incident_id: str, binding: Binding, seq: int, event_mac: str) -> str:
    body: dict[str, object] = {
        "incident_id": incident_id,
        "reference": binding.reference,
        "council_id": binding.council_id,
        "provider_ids": list(binding.provider_ids),
        "seq": seq,
        "event_mac": event_mac,
    }
    return key.mac(_message("head:", body))


def seal(key: TimelineKey, incident_id: str, binding: Binding, seq: int, event_mac: str) -> Head:
    return Head(
        incident_id, binding, seq, event_mac, head_mac(key, incident_id, binding, seq, event_mac)
    )


def head_is_genuine(key: TimelineKey, head: Head) -> bool:
    expected = head_mac(key, head.incident_id, head.binding, head.seq, head.event_mac)
    return hmac.compare_digest(expected, head.mac)


def counter_mac(key: TimelineKey, year: int, last: int) -> str:
    return key.mac(_message("counter:", {"year": year, "last": last}))


def check_incident(
    key: TimelineKey,
    incident_id: str,
    current: Binding,
    events: Sequence[TimelineEvent],
    head: Head | None,
) -> list[ChainBreak]:
    """Everything wrong with one incident's record, each named by kind."""
    breaks = verify(key, list(events), vouched(key, events))
    last_seq = events[-1].seq if events else 0

    def found(seq: int, kind: Tamper, reason: str) -> None:
        breaks.append(ChainBreak(incident_id, seq, reason, kind))

    if head is None:
        found(last_seq, Tamper.HEAD_MISSING, "the incident has no chain head")
        return breaks
    if not head_is_genuine(key, head):
        found(head.seq, Tamper.HEAD_FORGED, "the chain head's MAC does not match it")
        return breaks
    if head.binding != current:
        changed = [
            name
            for name in ("reference", "council_id", "provider_ids")
            if getattr(head.binding, name) != getattr(current, name)
        ]
        found(head.seq, Tamper.BINDING_CHANGED, f"{', '.join(changed)} changed outside the service")
    if not events:
        found(head.seq, Tamper.ALL_DELETED, f"all {head.seq} events are gone")
    elif last_seq < head.seq:
        found(last_seq, Tamper.TAIL_DELETED, f"events {last_seq + 1}-{head.seq} are gone")
    elif last_seq > head.seq:
        found(
            head.seq + 1, Tamper.UNCHAINED, f"events {head.seq + 1}-{last_seq} are not in the head"
        )
    elif not hmac.compare_digest(events[-1].hash, head.event_mac):
        found(last_seq, Tamper.LINK, "the last event is not the one the head names")
    return breaks
