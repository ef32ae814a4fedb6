"""A local GOV.UK Notify that speaks the real v2 HTTP API, so the official client runs unchanged.

It checks what Notify checks (an HS256 JWT signed with the key's secret, iss = service id, iat
within 30 seconds; the request schema; the template and its personalisation) and answers with
Notify's shapes and error texts. Faults are queued per route and used in order, so a test can
script "500, then 429, then success".

A delayed answer is still processed after the delay, as Notify would process a request whose
client had given up: that is how a timeout can turn into a duplicate.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from tests.fakes.local_server import LocalServer

Route = Literal["email", "sms"]
CLOCK_SKEW_SECONDS = 30
_PLACEHOLDER = re.compile(r"\(\(([^()]+)\)\)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UK_MOBILE = re.compile(r"(?:\+?44|0)7\d{9}")
_FIELDS = {"email": "email_address", "sms": "phone_number"}


@dataclass
class _Fault:
    kind: Literal["fail", "rate_limit", "delay"]
    times: int
    status: int = 500
    seconds: float = 0.0
    retry_after: float | None = None


@dataclass(frozen=True)
class Template:
    kind: Route
    body: str
    subject: str = ""


class _Refusal(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class FakeNotifyApi(LocalServer):
    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key or f"test_key-{uuid.uuid4()}-{uuid.uuid4()}"
        self.service_id = self.api_key[-73:-37]
        self._secret = self.api_key[-36:]
        self.templates: dict[str, Template] = {}
        self.email_template_id = self.add_template("email", "((body))", subject="((subject))")
        self.sms_template_id = self.add_template("sms", "((body))")
        self.sent: list[dict[str, Any]] = []
        self.answers: list[tuple[Route, int]] = []
        self._faults: dict[Route, deque[_Fault]] = {"email": deque(), "sms": deque()}
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.base_url = ""

    # --- set-up -----------------------------------------------------------------------------

    def add_template(self, kind: Route, body: str, *, subject: str = "") -> str:
        template_id = str(uuid.uuid4())
        self.templates[template_id] = Template(kind, body, subject)
        return template_id

    def fail_next(self, route: Route, status: int = 500, times: int = 1) -> None:
        self._faults[route].append(_Fault("fail", times, status=status))

    def rate_limit_next(
        self, route: Route, times: int = 1, *, retry_after: float | None = None
    ) -> None:
        self._faults[route].append(_Fault("rate_limit", times, retry_after=retry_after))

    def delay_next(self, route: Route, seconds: float, times: int = 1) -> None:
        self._faults[route].append(_Fault("delay", times, seconds=seconds))

    def requests_to(self, route: Route) -> int:
        return sum(1 for r, _ in self.answers if r == route)

    async def settled(self) -> None:
        """Wait until every request received so far has been answered (delayed ones too)."""
        await self._idle.wait()

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v2/notifications/email", self._email)
        app.router.add_post("/v2/notifications/sms", self._sms)
        self.base_url = await self._serve(app, access_log=None, shutdown_timeout=0.5)

    # --- the API ----------------------------------------------------------------------------

    async def _email(self, request: web.Request) -> web.Response:
        return await self._handle("email", request)

    async def _sms(self, request: web.Request) -> web.Response:
        return await self._handle("sms", request)

    async def _handle(self, route: Route, request: web.Request) -> web.Response:
        self._in_flight += 1
        self._idle.clear()
        try:
            response = await self._answer(route, request)
        except _Refusal as refusal:
            response = web.json_response(
                {
                    "errors": [{"error": refusal.error, "message": refusal.message}],
                    "status_code": refusal.status,
                },
                status=refusal.status,
            )
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()
        self.answers.append((route, response.status))
        return response

    async def _answer(self, route: Route, request: web.Request) -> web.Response:
        raw = await request.read()  # read first: a slow Notify has already received the request
        fault = self._take_fault(route)
        if fault and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        if fault and fault.kind == "fail":
            if fault.status == 500:
                raise _Refusal(500, "Exception", "Internal server error")
            # Other 5xx usually come from a proxy in front of Notify, as plain text.
            return web.Response(status=fault.status, text=f"{fault.status} upstream unavailable")
        self._authenticate(request.headers.get("Authorization", ""))
        if fault and fault.kind == "rate_limit":
            response = web.json_response(
                {
                    "errors": [
                        {
                            "error": "RateLimitError",
                            "message": "Exceeded rate limit for key type TEST of 3000 "
                            "requests per 60 seconds",
                        }
                    ],
                    "status_code": 429,
                },
                status=429,
            )
            if fault.retry_after is not None:
                response.headers["Retry-After"] = f"{fault.retry_after:g}"
            return response
        try:
            payload = json.loads(raw)
        except ValueError:
            raise _Refusal(400, "BadRequestError", "Invalid JSON supplied in POST data") from None
        if not isinstance(payload, dict):
            raise _Refusal(400, "BadRequestError", "Invalid JSON supplied in POST data")
        return web.json_response(self._accept(route, payload), status=201)

    def _take_fault(self, route: Route) -> _Fault | None:
        queue = self._faults[route]
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return fault

    def _authenticate(self, header: str) -> None:
        scheme, _, token = header.partition(" ")
        if not token:
            raise _Refusal(401, "AuthError", "Unauthorized: authentication token must be provided")
        if scheme.lower() != "bearer":
            raise _Refusal(
                401, "AuthError", "Unauthorized: authentication bearer scheme must be used"
            )
        parts = token.split(".")
        try:
            header_json, claims = (json.loads(_b64decode(p)) for p in parts[:2])
            signature = _b64decode(parts[2])
        except (ValueError, IndexError):
            raise _Refusal(403, "AuthError", "Invalid token: signature") from None
        if len(parts) != 3 or not isinstance(claims, dict) or not isinstance(header_json, dict):
            raise _Refusal(403, "AuthError", "Invalid token: signature")
        if header_json.get("alg") != "HS256":
            raise _Refusal(403, "AuthError", "Invalid token: algorithm used is not HS256")
        if claims.get("iss") != self.service_id:
            raise _Refusal(403, "AuthError", "Invalid token: service not found")
        signed = f"{parts[0]}.{parts[1]}".encode()
        expected = hmac.new(self._secret.encode(), signed, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, signature):
            raise _Refusal(403, "AuthError", "Invalid token: API key not found")
        iat = claims.get("iat")
        if not isinstance(iat, int | float) or abs(time.time() - iat) > CLOCK_SKEW_SECONDS:
            raise _Refusal(
                403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
            )

    def _accept(self, route: Route, payload: dict[str, Any]) -> dict[str, Any]:
        field = _FIELDS[route]
        for required in (field, "template_id"):
            if not isinstance(payload.get(required), str):
                raise _Refusal(400, "ValidationError", f"{required} is a required property")
        to, template_id = payload[field], payload["template_id"]
        if route == "email" and not _EMAIL.fullmatch(to):
            raise _Refusal(400, "ValidationError", "email_address Not a valid email address")
        if route == "sms" and not _UK_MOBILE.fullmatch(re.sub(r"[\s()-]", "", to)):
            raise _Refusal(400, "ValidationError", "phone_number Not a UK mobile number")
        personalisation = payload.get("personalisation") or {}
        if not isinstance(personalisation, dict):
            raise _Refusal(400, "ValidationError", "personalisation is not of type object")
        reference = payload.get("reference")
        if reference is not None and not isinstance(reference, str):
            raise _Refusal(400, "ValidationError", "reference is not of type string")
        template = self.templates.get(template_id)
        if template is None:
            raise _Refusal(400, "BadRequestError", "Template not found")
        if template.kind != route:
            raise _Refusal(
                400, "BadRequestError", f"{template.kind} template is not suitable for {route}"
            )
        placeholders = _PLACEHOLDER.findall(template.subject + template.body)
        missing = [n for n in dict.fromkeys(placeholders) if n.strip() not in personalisation]
        if missing:
            raise _Refusal(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        body = self._render(template.body, personalisation)
        notification_id = str(uuid.uuid4())
        content: dict[str, Any] = {"body": body}
        if route == "email":
            content["subject"] = self._render(template.subject, personalisation)
            content["from_email"] = "cyber.incident.response@notifications.service.gov.uk"
        else:
            content["from_number"] = "GOVUK"
        self.sent.append(
            {
                "route": route,
                "id": notification_id,
                "to": to,
                "template_id": template_id,
                "personalisation": personalisation,
                "reference": reference,
                "content": content,
            }
        )
        return {
            "id": notification_id,
            "reference": reference,
            "content": content,
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "template": {
                "id": template_id,
                "version": 1,
                "uri": f"{self.base_url}/services/{self.service_id}/templates/{template_id}",
            },
            "scheduled_for": None,
        }

    @staticmethod
    def _render(text: str, personalisation: dict[str, Any]) -> str:
        return _PLACEHOLDER.sub(lambda m: str(personalisation[m.group(1).strip()]), text)
