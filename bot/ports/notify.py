"""How the core sends email and SMS (GOV.UK Notify in production) without knowing who carries it.

A send never raises for a delivery problem: it returns a Delivery saying what happened, so the
caller can put the failure on the incident timeline and try the other route (SMS when email
failed, and the other way round). An escalation that silently vanished would be worse than one
that is recorded as undelivered.

Files (the post-incident report) go by Notify's "send a file by email": the file is uploaded
with the email and the recipient gets a link to a download page, not an attachment, and not a
link into a chat workspace they cannot open. Notify accepting an email is not the email being
delivered: `status` asks Notify later what became of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

Route = Literal["email", "sms"]

# Notify's limit for a file sent by email (its client's DOCUMENT_UPLOAD_SIZE_LIMIT): 2 MiB.
FILE_LIMIT_BYTES = 2 * 1024 * 1024
# Notify keeps an uploaded file for 1 to 78 weeks.
RETENTION_WEEKS = range(1, 79)


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


@dataclass(frozen=True)
class Attachment:
    """A file to send by email. `confirm_email` makes the recipient type their email address
    before the download (Notify's check, on by default there too): a forwarded email alone
    does not open an OFFICIAL-SENSITIVE report."""

    content: bytes
    filename: str  # with its extension: Notify refuses a name without one
    retention_weeks: int
    confirm_email: bool = True


class DeliveryState(StrEnum):
    """What Notify says became of an email, reduced to what a person needs to act on."""

    PENDING = "pending"  # created / sending: ask again later
    DELIVERED = "delivered"
    FAILED = "failed"  # permanent, temporary or technical failure: send it another way
    UNKNOWN = "unknown"  # Notify could not be asked (not configured, unreachable, no such id)


# Notify's email statuses (GET /v2/notifications/{id}) and what each means here.
NOTIFY_STATUSES: dict[str, DeliveryState] = {
    "created": DeliveryState.PENDING,
    "sending": DeliveryState.PENDING,
    "pending": DeliveryState.PENDING,
    "delivered": DeliveryState.DELIVERED,
    "permanent-failure": DeliveryState.FAILED,
    "temporary-failure": DeliveryState.FAILED,
    "technical-failure": DeliveryState.FAILED,
}


@dataclass(frozen=True)
class DeliveryStatus:
    state: DeliveryState
    detail: str = ""  # Notify's own status word, or why it could not be asked

    @property
    def final(self) -> bool:
        return self.state in (DeliveryState.DELIVERED, DeliveryState.FAILED)


class Notifier(Protocol):
    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        """Send `subject`/`body` to the email address `to`; `reference` ties it to an incident."""
        ...

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        """Send `body` to the mobile number `to`; `reference` ties it to an incident."""
        ...

    async def send_file(
        self, to: str, subject: str, body: str, file: Attachment, *, reference: str
    ) -> Delivery:
        """Email `to` a link to download `file` (Notify's "send a file by email")."""
        ...

    async def status(self, notification_id: str) -> DeliveryStatus:
        """What became of a notification sent earlier; never raises."""
        ...
