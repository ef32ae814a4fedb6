"""An in-memory ChatPort that remembers what the core sent and can fail on chosen routes.

Targets are what the core passes: a channel id (`to_channel`), a user id (`to_person`),
`incident:<id>` (`to_incident`) and `invite:<provider id>` (`invite_provider`). A failure is
queued per target: `fail("C0KPMGPAGING", times=2)` makes the next two posts there fail, and
`fail(..., raises=True)` makes the call raise instead, as a buggy adapter would.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.ports.chat import ChatDelivery, OutboundMessage


@dataclass(frozen=True)
class Sent:
    kind: str  # "channel" | "person" | "incident" | "invite"
    target: str
    message: OutboundMessage | None


@dataclass
class _Fault:
    times: float
    error: str
    raises: bool


@dataclass
class RecordingChat:
    sent: list[Sent] = field(default_factory=list)
    failed: list[Sent] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    _faults: dict[str, _Fault] = field(default_factory=dict)

    def fail(
        self,
        target: str,
        *,
        times: float = float("inf"),
        error: str = "channel_not_found",
        raises: bool = False,
    ) -> None:
        self._faults[target] = _Fault(times, error, raises)

    def heal(self, target: str) -> None:
        self._faults.pop(target, None)

    def to(self, target: str) -> list[OutboundMessage]:
        """What was delivered to `target`, in order."""
        return [s.message for s in self.sent if s.target == target and s.message is not None]

    def _deliver(self, kind: str, target: str, message: OutboundMessage | None) -> ChatDelivery:
        route = f"fake:{kind}:{target}"
        fault = self._faults.get(target)
        if fault is not None and fault.times > 0:
            fault.times -= 1
            self.failed.append(Sent(kind, target, message))
            if fault.raises:
                raise ConnectionError(f"{target} unreachable")
            return ChatDelivery(False, route, fault.error)
        self.sent.append(Sent(kind, target, message))
        return ChatDelivery(True, route)

    async def to_incident(self, incident_id: str, message: OutboundMessage) -> ChatDelivery:
        return self._deliver("incident", f"incident:{incident_id}", message)

    async def to_channel(self, channel: str, message: OutboundMessage) -> ChatDelivery:
        return self._deliver("channel", channel, message)

    async def to_person(self, user: str, message: OutboundMessage) -> ChatDelivery:
        return self._deliver("person", user, message)

    async def invite_provider(self, incident_id: str, provider_id: str) -> ChatDelivery:
        return self._deliver("invite", f"invite:{provider_id}", None)

    async def refresh_incident(self, incident_id: str) -> None:
        self.refreshed.append(incident_id)
