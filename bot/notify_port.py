"""How the core sends email and SMS (GOV.UK Notify in production) without knowing who carries it.

A send never raises for a delivery problem: it returns a Delivery saying what happened, so the
caller can put the failure on the incident timeline and try the other route (SMS when email
failed, and the other way round). An escalation that silently vanished would be worse than one
that is recorded as undelivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Route = Literal["email", "sms"]


@dataclass(frozen=True)
class Delivery:
    """The outcome of one send, after any retries the adapter made.

    `error` is short text that is safe to show on the timeline: it never holds the message body
    or a credential. `attempts` is 0 when nothing was tried (for example, Notify not configured).
    """

    ok: bool
    route: Route
    recipient: str
    notification_id: str = ""
    error: str = ""
    attempts: int = 1


class Notifier(Protocol):
    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        """Send `subject`/`body` to the email address `to`; `reference` ties it to an incident."""
        ...

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        """Send `body` to the mobile number `to`; `reference` ties it to an incident."""
        ...
