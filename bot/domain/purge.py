"""Retention: after a configured period from closure, an incident's personal data is purged.

Incident records hold personal data (contacts, descriptions, notes, lessons, names) that must
not be kept forever (DOMAIN.md: security logs kept no more than 2 years by default). What stays
is what MHCLG's figures and the audit need: the reference, the dates, the council, the provider,
the categories, every state and level and outcome. So a purge keeps each event's shape and
replaces what people typed, and anything that names a person, by `PURGED`.

Redaction is an allowlist: a string survives only under a key known to hold an id, a state, a
time or a hash (`KEEP`); everything else, including any key added later, is purged. Numbers and
booleans are kept (they name nobody).

How the chain stays verifiable: each redacted event keeps its original `hash` and `prev_hash`,
so the links between events are untouched; its content can no longer be checked against that
hash (the content is gone), so the purge event appended after them records, for each redacted
event, its original hash and a MAC of its redacted form (`timeline.redacted_mac`). That record
is itself chained and sealed in the head, so only the holder of the timeline key can vouch for
a redaction; any other change to a redacted event, or to the record, still breaks the chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.domain.actors import SYSTEM
from bot.domain.events import EventKind, StateChanged
from bot.domain.incident import Referral
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent, TimelineKey, content_matches, redacted_mac

PURGED = "[purged]"
# The timeline event kind that records a purge (payload: events.PersonalDataPurged).
PURGE_KIND = EventKind.PERSONAL_DATA_PURGED
CLOSING_STATES = frozenset({State.CLOSED.value, State.WITHDRAWN.value})

# Keys whose string values are ids, states, times, counts or hashes: never typed by a person,
# never a person's name or address. Everything else is purged.
KEEP = frozenset(
    {
        "reference", "council_id", "council", "detected_at", "attacker_active",
        "ncsc_reference", "bodies_told", "from_state", "to_state", "ending", "choice",
        "from_marking", "to_marking", "status", "source", "provider_id", "provider_ids",
        "notified_at", "deadline_at", "contact_at", "method", "assessment_id",
        "recommendation", "decision", "missing", "organisations", "organisation", "item",
        "platform", "channel", "what", "action", "since", "until", "version", "sha256",
        "markdown_sha256", "format", "generated_at", "recipient_kind", "recipient",
        "notification_id", "ico_deadline", "step", "deadline", "done_at", "state", "marking",
        "url", "team_id", "outcome", "kind",
    }
)  # fmt: skip
# Threshold answers are option ids from config/questionnaire.yml (the NCSC category among
# them, which the figures count); lessons answers under the same key are free text.
KEEP_ANSWERS = frozenset({"ThresholdAssessed", "ActivationProposed", "ThresholdDecisionRecorded"})
# A route names a medium and then whom (a DM's user id, a phone number): the medium stays.
ROUTE = "route"


def _route(value: str) -> str:
    medium, sep, _rest = value.partition(":")
    return f"{medium}:{PURGED}" if sep else value


def redact_value(value: Any, key: str = "") -> Any:
    """`value` with every string not under a `KEEP` key replaced by `PURGED`."""
    if isinstance(value, Mapping):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v, key) for v in value]
    if isinstance(value, str):
        if key in KEEP or not value:
            return value
        return _route(value) if key == ROUTE else PURGED
    return value  # numbers, booleans, None


def redact_data(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    redacted: dict[str, Any] = redact_value(data)
    if kind in KEEP_ANSWERS and "answers" in data:
        redacted["answers"] = data["answers"]
    return redacted


def redact_event(event: TimelineEvent) -> TimelineEvent:
    """The event as it stays after a purge: same place in the chain, same hash."""
    if event.actor_id == SYSTEM.user_id:
        actor_id, actor_name = event.actor_id, event.actor_name
    else:
        actor_id, actor_name = PURGED, PURGED
    return replace(
        event, actor_id=actor_id, actor_name=actor_name, data=redact_data(event.kind, event.data)
    )


def redact_referral(referral: Referral) -> Referral:
    """The stored referral after a purge: council, detection time and flags stay."""
    return replace(
        referral,
        description=PURGED,
        services_affected=PURGED,
        contact_name=PURGED,
        contact_email=PURGED,
        contact_phone=PURGED,
    )


PURGED_NOTE = (
    "Purged under the retention policy: contacts, descriptions, notes, lessons and the names "
    "of the people who acted are no longer held. Reference, dates, council, provider and "
    "categories remain."
)


def referral_purged(referral: Referral) -> bool:
    """The stored referral was purged (a purged email address cannot be typed: it is checked
    as an address at intake)."""
    return referral.contact_email == PURGED and referral.description == PURGED


def purged_on(events: Sequence[TimelineEvent]) -> datetime | None:
    """When the incident's personal data was purged, from its timeline; None if it was not."""
    return next((e.at for e in events if e.kind == PURGE_KIND), None)


def closed_at(events: Sequence[TimelineEvent]) -> datetime | None:
    """When the incident closed: its first move to Closed or Closed before activation."""
    for event in events:
        if event.kind != EventKind.STATE_CHANGED:
            continue
        if StateChanged.read(event).to_state in CLOSING_STATES:
            return event.at
    return None


@dataclass(frozen=True)
class Redaction:
    """One event's entry in the purge record."""

    seq: int
    hash: str  # the original MAC, still the chain's link
    redacted: str  # the MAC of the redacted form

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "redacted": self.redacted}


def plan(
    key: TimelineKey, events: Sequence[TimelineEvent]
) -> tuple[list[TimelineEvent], list[Redaction]]:
    """The events whose stored form changes, and the record vouching for each."""
    changed, record = [], []
    for event in events:
        after = redact_event(event)
        if after != event:
            changed.append(after)
        # every event is vouched for, changed or not, so the record says what the purge saw
        record.append(Redaction(event.seq, event.hash, redacted_mac(key, after)))
    return changed, record


def vouched(key: TimelineKey, events: Sequence[TimelineEvent]) -> dict[int, str]:
    """seq -> MAC of its redacted form, from every genuine purge record in the chain: only an
    event before the record, with the hash the record names, is vouched for."""
    found: dict[int, str] = {}
    hashes = {e.seq: e.hash for e in events}
    for event in events:
        if event.kind != PURGE_KIND or not content_matches(key, event):
            continue
        for entry in event.data.get("redacted", ()):
            if not isinstance(entry, Mapping):
                continue
            seq, original = entry.get("seq"), entry.get("hash")
            if isinstance(seq, int) and seq < event.seq and hashes.get(seq) == original:
                found[seq] = str(entry.get("redacted", ""))
    return found
