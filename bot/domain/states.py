"""The incident lifecycle as one explicit table, so every legal move is visible in one place."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import IllegalTransition, UnknownState


class State(StrEnum):
    REFERRAL_RECEIVED = "referral_received"
    THRESHOLD_CHECK = "threshold_check"
    MONITORING = "monitoring"
    AWAITING_MOU = "awaiting_mou"
    ACTIVATED = "activated"
    CONTAINMENT = "containment"
    ERADICATION = "eradication"
    RECOVERY = "recovery"
    CLOSED = "closed"
    REPORT_ISSUED = "report_issued"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, value: str) -> State:
        try:
            return cls(value.strip().lower())
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise UnknownState(
                f"Unknown incident state {value!r}. Known states: {known}."
            ) from None


_LABELS = {
    State.REFERRAL_RECEIVED: "Referral received",
    State.THRESHOLD_CHECK: "Threshold check",
    State.MONITORING: "Monitoring (below threshold)",
    State.AWAITING_MOU: "Awaiting MoU",
    State.ACTIVATED: "Activated: awaiting provider contact",
    State.CONTAINMENT: "Containment",
    State.ERADICATION: "Eradication",
    State.RECOVERY: "Recovery (council-funded)",
    State.CLOSED: "Closed",
    State.REPORT_ISSUED: "Report issued",
    State.WITHDRAWN: "Closed before activation",
}

# WITHDRAWN is every ending before activation: a duplicate or false alarm, a monitored
# (below-threshold) incident whose monitoring MHCLG ended, a council that declined CIR support
# (the service is not mandatory); the timeline's StateChanged says which and why. Once a
# provider has been sent, the incident runs to CLOSED so the lessons learned and the
# post-incident report cover the work done; a monitored incident had no response to report on,
# so it ends as WITHDRAWN, not CLOSED.
ALLOWED: dict[State, frozenset[State]] = {
    State.REFERRAL_RECEIVED: frozenset({State.THRESHOLD_CHECK, State.WITHDRAWN}),
    State.THRESHOLD_CHECK: frozenset({State.MONITORING, State.AWAITING_MOU, State.WITHDRAWN}),
    State.MONITORING: frozenset({State.THRESHOLD_CHECK, State.WITHDRAWN}),
    State.AWAITING_MOU: frozenset({State.ACTIVATED, State.WITHDRAWN}),
    State.ACTIVATED: frozenset({State.CONTAINMENT}),
    State.CONTAINMENT: frozenset({State.ERADICATION}),
    State.ERADICATION: frozenset({State.RECOVERY, State.CLOSED}),
    State.RECOVERY: frozenset({State.CLOSED}),
    State.CLOSED: frozenset({State.REPORT_ISSUED}),
    State.REPORT_ISSUED: frozenset(),
    State.WITHDRAWN: frozenset(),
}

OPEN_STATES = frozenset(
    s for s in State if s not in {State.CLOSED, State.REPORT_ISSUED, State.WITHDRAWN}
)
ACTIVE_RESPONSE_STATES = frozenset(
    {State.ACTIVATED, State.CONTAINMENT, State.ERADICATION, State.RECOVERY}
)


def check_transition(current: State, target: State) -> None:
    if target not in ALLOWED[current]:
        allowed = ", ".join(sorted(s.label for s in ALLOWED[current])) or "none (final state)"
        raise IllegalTransition(
            f"An incident in '{current.label}' cannot move to '{target.label}'. "
            f"Allowed next: {allowed}."
        )
