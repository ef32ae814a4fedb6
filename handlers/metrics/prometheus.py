"""The core's metrics port, kept in Prometheus' types, in a registry of the server's own (not
the library's global one: tests and benchmarks build many servers in one process).

Names follow Prometheus' conventions (`cir_` prefix, base units, `_total` on counters). Every
label is a closed set: provider ids from config/, levels, deadline kinds, routes, API methods and
error codes, HTTP routes as registered (never the path a client sent), incident states.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from bot.ports.metrics import DeliveryRoute

# Seconds. The 30-minute line is a bucket edge, so "within the deadline" is read straight off
# the histogram (le="1800"), and so are 5, 10, 15, 20 and 25 minutes: a contact at 12 minutes
# counts in le="900" and above, not in le="600".
CONTACT_BUCKETS = (60, 300, 600, 900, 1200, 1500, 1800, 2700, 3600, 5400, 7200, 14400)
# Seconds late. A sweep runs every 2 s, so on time is within 2 s; a failed firing's backoff
# (15 s, then doubling to 5 min) shows in the later buckets, an outage in the last.
LATENESS_BUCKETS = (0.5, 2, 5, 15, 60, 300, 1800)
# Few buckets: every route, method and status has its own set, and each bucket is a line of
# every scrape. 3 s is Slack's window to answer.
HTTP_BUCKETS = (0.01, 0.05, 0.25, 1, 3)

# No `_created` series beside each counter and histogram: Prometheus does not need them to
# compute rates, and they made a quarter of every scrape's lines (and of its rendering time).
disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus-client leaves it unannotated


class PrometheusMetrics:
    """Implements bot.ports.metrics.Metrics, plus what only the edge sees (HTTP answers) and the
    gauges read from the database at each scrape (handlers.metrics.endpoint)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.time_to_contact = Histogram(
            "cir_time_to_contact_seconds",
            "Time from a provider's notification (page) to the contact it recorded.",
            ["provider"],
            buckets=CONTACT_BUCKETS,
            registry=r,
        )
        self.escalations = Counter(
            "cir_escalations_fired_total",
            "Escalations of the contact ladder fired (at least one route delivered), per level.",
            ["level"],
            registry=r,
        )
        self.lateness = Histogram(
            "cir_deadline_lateness_seconds",
            "How long after it was first due each deadline fired.",
            ["kind"],
            buckets=LATENESS_BUCKETS,
            registry=r,
        )
        self.deliveries_failed = Counter(
            "cir_deliveries_failed_total",
            "Messages to people that did not go (one per send that failed), per route.",
            ["route"],
            registry=r,
        )
        self.api_errors = Counter(
            "cir_api_errors_total",
            "Calls Slack or GOV.UK Notify refused or that failed, per method and error.",
            ["service", "method", "error"],
            registry=r,
        )
        self.http_answers = Histogram(
            "cir_http_request_duration_seconds",
            "HTTP answers of this server, per route, method and status, with their latency.",
            ["route", "method", "status"],
            buckets=HTTP_BUCKETS,
            registry=r,
        )
        self.incidents = Gauge(
            "cir_incidents", "Incidents per state (read at scrape time).", ["state"], registry=r
        )
        self.deadlines_pending = Gauge(
            "cir_deadlines_pending",
            "Deadlines not yet fired, per kind (read at scrape time).",
            ["kind"],
            registry=r,
        )
        self.deadlines_overdue = Gauge(
            "cir_deadlines_overdue",
            "Deadlines past their due time and not yet fired, per kind (read at scrape time).",
            ["kind"],
            registry=r,
        )
        self.wake_ups_coalesced = Counter(
            "cir_scheduler_wake_ups_coalesced_total",
            "Deadline scheduler wake-ups (sweeps, wake-ups for new deadlines) that found a pass "
            "running and were folded into it instead of starting another (counted, not logged).",
            registry=r,
        )
        for route in DeliveryRoute:  # a route with no failure reads 0, not "no data"
            self.deliveries_failed.labels(route.value)

    # the port -----------------------------------------------------------------------------
    def contact_recorded(self, provider_id: str, seconds: float) -> None:
        self.time_to_contact.labels(provider_id).observe(max(seconds, 0.0))

    def escalation_fired(self, level: int) -> None:
        self.escalations.labels(str(level)).inc()

    def deadline_fired(self, kind: str, lateness_seconds: float) -> None:
        self.lateness.labels(kind).observe(max(lateness_seconds, 0.0))

    def delivery_failed(self, route: DeliveryRoute) -> None:
        self.deliveries_failed.labels(route.value).inc()

    def api_error(self, service: str, method: str, error: str) -> None:
        self.api_errors.labels(service, method, error).inc()

    # the edge -----------------------------------------------------------------------------
    def http_answered(self, route: str, method: str, status: int, seconds: float) -> None:
        self.http_answers.labels(route, method, str(status)).observe(seconds)

    def wake_up_coalesced(self) -> None:
        self.wake_ups_coalesced.inc()

    def set_counts(
        self,
        incidents: Mapping[str, int],
        pending: Mapping[str, int],
        overdue: Mapping[str, int],
    ) -> None:
        """Replace the scrape-time gauges: every known label is set, zero included, so a state
        emptied since the last scrape reads 0 rather than its old value."""
        for gauge, values in (
            (self.incidents, incidents),
            (self.deadlines_pending, pending),
            (self.deadlines_overdue, overdue),
        ):
            for label, value in values.items():
                gauge.labels(label).set(value)

    def render(self) -> bytes:
        return generate_latest(self.registry)
