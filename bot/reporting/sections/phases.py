"""The phases: each state the incident entered, who moved it there, why, and for how long."""

from __future__ import annotations

from datetime import datetime

from bot.domain.events import ReferralReceived, StateChanged
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.reporting.record import Record
from bot.reporting.report import Phase
from bot.reporting.words import clean, state_label


def phases(incident: Incident, record: Record) -> tuple[Phase, ...]:
    """Each state the incident entered, until the next change; the last one has no end yet."""
    opened = record.last(ReferralReceived)
    changes = record.all(StateChanged)
    entered = [
        (
            State.REFERRAL_RECEIVED.value,
            opened.at if opened else incident.opened_at,
            opened.actor_name if opened else "",
            "",
        )
    ] + [(clean(e.payload.to_state), e.at, e.actor_name, clean(e.payload.reason)) for e in changes]
    ends: list[datetime | None] = [e.at for e in changes] + [None]
    done = [clean(e.payload.summary) for e in changes] + [""]
    return tuple(
        Phase(state, state_label(state), start, end, end - start if end else None, who, why, what)
        for (state, start, who, why), end, what in zip(entered, ends, done, strict=True)
    )
