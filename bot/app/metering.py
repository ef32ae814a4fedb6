"""Where the composition root tells the metrics port what the core did, without the core
knowing: deliveries that failed (wrapping the chat and notify ports the firings use), and what
each committed firing was (escalation level, lateness).

Counted where each fact is final: a delivery when its send returns (one failed SMS counts once,
however the firing then goes), a firing only after its transaction committed (a rolled-back
attempt that is retried later is not an escalation fired).
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.deadline_payloads import payload_of
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.ports.chat import ChatDelivery, ChatPort, OutboundMessage
from bot.ports.metrics import DeliveryRoute, Metrics
from bot.ports.notify import Attachment, Delivery, DeliveryStatus, Notifier

_CHAT_ROUTES = {"slack": DeliveryRoute.SLACK, "teams": DeliveryRoute.TEAMS}
_NOTIFY_ROUTES = {"email": DeliveryRoute.EMAIL, "sms": DeliveryRoute.TEXT}


def chat_route(delivery: ChatDelivery) -> DeliveryRoute | None:
    """`slack:C0123` → slack; a route of no platform (nothing configured) is no platform's
    failure."""
    return _CHAT_ROUTES.get(delivery.route.split(":", 1)[0])


class MeteredChat:
    """A ChatPort that counts each delivery that failed, per platform."""

    def __init__(self, inner: ChatPort, metrics: Metrics) -> None:
        self._inner, self._metrics = inner, metrics

    def _count(self, delivery: ChatDelivery) -> ChatDelivery:
        route = chat_route(delivery)
        if not delivery.ok and route is not None:
            self._metrics.delivery_failed(route)
        return delivery

    async def to_incident(self, incident_id: str, message: OutboundMessage) -> ChatDelivery:
        return self._count(await self._inner.to_incident(incident_id, message))

    async def to_channel(self, channel: str, message: OutboundMessage) -> ChatDelivery:
        return self._count(await self._inner.to_channel(channel, message))

    async def to_person(self, user: str, message: OutboundMessage) -> ChatDelivery:
        return self._count(await self._inner.to_person(user, message))

    async def invite_provider(self, incident_id: str, provider_id: str) -> ChatDelivery:
        return await self._inner.invite_provider(incident_id, provider_id)  # not a message

    async def refresh_incident(self, incident_id: str) -> None:
        await self._inner.refresh_incident(incident_id)


class MeteredNotifier:
    """A Notifier that counts each email or text that did not go."""

    def __init__(self, inner: Notifier, metrics: Metrics) -> None:
        self._inner, self._metrics = inner, metrics

    def _count(self, delivery: Delivery) -> Delivery:
        if not delivery.ok:
            self._metrics.delivery_failed(_NOTIFY_ROUTES[delivery.route])
        return delivery

    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        return self._count(await self._inner.send_email(to, subject, body, reference=reference))

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        return self._count(await self._inner.send_sms(to, body, reference=reference))

    async def send_file(
        self, to: str, subject: str, body: str, file: Attachment, *, reference: str
    ) -> Delivery:
        sent = await self._inner.send_file(to, subject, body, file, reference=reference)
        return self._count(sent)

    async def status(self, notification_id: str) -> DeliveryStatus:
        return await self._inner.status(notification_id)


def first_due(deadline: Deadline) -> datetime:
    raw = payload_of(deadline).first_due_at  # a retried deadline's original due time
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            pass
    return deadline.due_at


def count_firing(deadline: Deadline, metrics: Metrics) -> None:
    """After a firing committed: how late it went, and the escalation level it reached."""
    if deadline.state is not DeadlineState.FIRED or deadline.fired_at is None:
        return
    late = (deadline.fired_at - first_due(deadline)).total_seconds()
    metrics.deadline_fired(deadline.kind.value, late)
    if deadline.kind is DeadlineKind.CONTACT_ESCALATION:
        metrics.escalation_fired(deadline.level)
