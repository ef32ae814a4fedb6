"""What the core tells the operators' metrics, and nothing more: a port, so the core never
imports a metrics library (the Prometheus exporter lives at the edge, handlers/metrics).

Every label a method takes is a closed set (providers from config/, escalation levels, deadline
kinds, delivery routes, API methods and error codes): never an incident's reference, a
council's name or anything a person typed, since metrics are kept outside the record and
outlive its retention.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class DeliveryRoute(StrEnum):
    """How a message to a person travels; the four routes MHCLG watches for failures."""

    SLACK = "slack"
    TEAMS = "teams"
    EMAIL = "email"
    TEXT = "text"


class Metrics(Protocol):
    def contact_recorded(self, provider_id: str, seconds: float) -> None:
        """A provider recorded contact, `seconds` after it was notified (paged)."""

    def escalation_fired(self, level: int) -> None: ...

    def deadline_fired(self, kind: str, lateness_seconds: float) -> None:
        """A deadline row settled, this long after it was first due."""

    def delivery_failed(self, route: DeliveryRoute) -> None: ...

    def api_error(self, service: str, method: str, error: str) -> None:
        """Slack or Notify refused a call (`error` is the service's own code)."""


class NullMetrics:
    """Nothing is measured: the CLI, unit tests and anything built without a server."""

    def contact_recorded(self, provider_id: str, seconds: float) -> None:
        return None

    def escalation_fired(self, level: int) -> None:
        return None

    def deadline_fired(self, kind: str, lateness_seconds: float) -> None:
        return None

    def delivery_failed(self, route: DeliveryRoute) -> None:
        return None

    def api_error(self, service: str, method: str, error: str) -> None:
        return None


NULL_METRICS = NullMetrics()
