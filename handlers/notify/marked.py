"""An exercise's emails and texts say EXERCISE before anything else: a council officer reading a
"provider contact deadline missed" email on their phone must see at once that it is a
rehearsal. Wraps whichever notifier the service runs with; see bot.domain.exercise."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.exercise import ServiceMode
from bot.ports.notify import Attachment, Delivery, DeliveryStatus, Notifier


@dataclass(frozen=True)
class MarkedNotifier:
    inner: Notifier
    mode: ServiceMode

    def _body(self, body: str) -> str:
        return f"{self.mode.banner()}\n\n{body}"

    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        subject = self.mode.subject(subject)
        return await self.inner.send_email(to, subject, self._body(body), reference=reference)

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        return await self.inner.send_sms(to, self.mode.subject(body), reference=reference)

    async def send_file(
        self, to: str, subject: str, body: str, file: Attachment, *, reference: str
    ) -> Delivery:
        return await self.inner.send_file(
            to, self.mode.subject(subject), self._body(body), file, reference=reference
        )

    async def status(self, notification_id: str) -> DeliveryStatus:
        return await self.inner.status(notification_id)

    def single_attempt(self) -> MarkedNotifier:
        """The firings' one-attempt copy, still marked."""
        single = getattr(self.inner, "single_attempt", None)
        return self if single is None else MarkedNotifier(single(), self.mode)

    async def close(self) -> None:
        closing = getattr(self.inner, "close", None)
        if closing is not None:
            await closing()
