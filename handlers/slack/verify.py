"""Slack's signature and timestamp, checked on the raw bytes before anything reads the body.

Bolt parses the body (as text, then as a form, then `payload` as JSON) before its own signature
middleware runs, so a stranger's non-UTF-8 body, bad form encoding or a non-numeric timestamp
raised inside Bolt and came back as a 500 with a traceback in the log. Here nothing is decoded
until the HMAC over the exact bytes received has matched, and every way a request can be wrong
is a `Rejected` with a status and a short reason, never an exception from a parser.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

# Slack's own window: a request signed more than five minutes ago (or ahead) is refused.
WINDOW_SECONDS = 300
_MAX_TIMESTAMP_DIGITS = 12  # epoch seconds until the year 33658; longer is not a timestamp


class Rejected(Exception):
    """The request is refused with `status`; `signed` says whether it came from Slack (then
    the refusal is worth one WARNING line, otherwise it is noise anyone can make)."""

    def __init__(self, status: int, reason: str, *, signed: bool) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.signed = signed


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A request whose signature matched: its bytes, its decoded text and its parsed payload
    (exactly what Bolt will see)."""

    raw: bytes
    text: str
    timestamp: int
    payload: dict[str, Any]


class SlackSignature:
    """Slack's v0 scheme: HMAC-SHA256 over `v0:{timestamp}:{body}` with the signing secret.

    Computed over bytes, not text: slack_sdk's SignatureVerifier decodes the body as UTF-8
    first and raises on anything else, which is exactly the input a stranger controls."""

    def __init__(self, secret: str, now: Callable[[], float] = time.time) -> None:
        self._secret = secret.encode()
        self._now = now

    def check(self, headers: Mapping[str, str], raw: bytes) -> int:
        """The signed timestamp, or Rejected(401)."""
        stamp = headers.get("X-Slack-Request-Timestamp")
        signature = headers.get("X-Slack-Signature")
        if not stamp or not signature:
            raise Rejected(401, "missing Slack signature headers", signed=False)
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= _MAX_TIMESTAMP_DIGITS):
            raise Rejected(401, "bad X-Slack-Request-Timestamp", signed=False)
        timestamp = int(stamp)
        if abs(self._now() - timestamp) > WINDOW_SECONDS:
            raise Rejected(401, "stale or future X-Slack-Request-Timestamp", signed=False)
        if not signature.isascii():  # aiohttp keeps non-UTF-8 header bytes as surrogates
            raise Rejected(401, "invalid Slack signature", signed=False)
        mac = hmac.new(self._secret, b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256)
        if not hmac.compare_digest(("v0=" + mac.hexdigest()).encode(), signature.encode()):
            raise Rejected(401, "invalid Slack signature", signed=False)
        return timestamp


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack
        raise Rejected(400, f"{what} is not JSON", signed=True) from None
    if not isinstance(value, dict):
        raise Rejected(400, f"{what} is not a JSON object", signed=True)
    return value


def parse_body(raw: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """The body as Bolt reads it (JSON for events, a form for commands, a form whose `payload`
    is JSON for interactions), but strict: anything Bolt would choke on is Rejected(400)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8", signed=True) from None
    if not text:
        raise Rejected(400, "empty body", signed=True)
    if content_type == "application/json" or text.startswith("{"):
        return text, _json_object(text, "body")
    try:
        fields = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict"))
    except (ValueError, UnicodeDecodeError):
        raise Rejected(400, "body is not a valid form", signed=True) from None
    if "payload" in fields:
        return text, _json_object(fields["payload"], "payload")
    return text, fields


def verify_request(
    signature: SlackSignature, headers: Mapping[str, str], raw: bytes, content_type: str
) -> SignedRequest:
    timestamp = signature.check(headers, raw)
    text, payload = parse_body(raw, content_type)
    return SignedRequest(raw=raw, text=text, timestamp=timestamp, payload=payload)
