"""A local GOV.UK Notify that speaks the real v2 HTTP API, so the official client runs unchanged.

It checks what Notify checks (an HS256 JWT signed with the key's secret, iss = service id, iat
within 30 seconds; the request schema; the template and its personalisation) and answers with
Notify's shapes and error texts. Faults are queued per route and used in order, so a test can
script "500, then 429, then success".

A delayed answer is still processed after the delay, as Notify would process a request whose
client had given up: that is how a timeout can turn into a duplicate.

Files sent by email ("send a file by email") are checked as Notify and its document-download
service check them, with their error texts: a personalisation value `{"file": base64,
"filename", "confirm_email_before_download", "retention_period"}` only in an email, base64 that
decodes, at most 2 MB, a filename with a supported extension and at most 100 characters, a
boolean email check, a retention period of 1 to 78 weeks. The rendered email carries the
download link in the placeholder's place. `GET /v2/notifications/{id}` answers with the
notification and its status: "delivered" by default, or what a test scripted per address.
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

from sandbox.local_server import LocalServer

Route = Literal["email", "sms"]
CLOCK_SKEW_SECONDS = 30
_PLACEHOLDER = re.compile(r"\(\(([^()]+)\)\)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UK_MOBILE = re.compile(r"(?:\+?44|0)7\d{9}")
_FIELDS = {"email": "email_address", "sms": "phone_number"}
FILE_LIMIT = 2 * 1024 * 1024
MAX_FILENAME = 100
# Notify's "send a file by email" file types (its documentation's list)
FILE_EXTENSIONS = ("csv", "doc", "docx", "jpeg", "jpg", "odt", "pdf", "png", "rtf", "txt", "xlsx")
_RETENTION = re.compile(r"^(\d+) weeks?$")
STATUSES = (
    "created",
    "sending",
    "delivered",
    "permanent-failure",
    "temporary-failure",
    "technical-failure",
)


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
        self.file_template_id = self.add_template(
            "email", "((body))\n\n((link_to_file))", subject="((subject))"
        )
        self.sent: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}  # by download link: the file as uploaded
        self._status_by_address: dict[str, str] = {}
        self.status_requests = 0
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

    def deliver_as(self, email_address: str, status: str) -> None:
        """What GET /v2/notifications/{id} says of emails to this address from now on."""
        if status not in STATUSES:
            raise ValueError(f"not a Notify email status: {status}")
        self._status_by_address[email_address.casefold()] = status

    def requests_to(self, route: Route) -> int:
        return sum(1 for r, _ in self.answers if r == route)

    async def settled(self) -> None:
        """Wait until every request received so far has been answered (delayed ones too)."""
        await self._idle.wait()

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        # a 2 MB file is 2.7 MB of base64: Notify reads it and answers for itself (aiohttp's
        # default would refuse any body over 1 MB with a 413 no real Notify sends)
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/v2/notifications/email", self._email)
        app.router.add_post("/v2/notifications/sms", self._sms)
        app.router.add_get("/v2/notifications/{notification_id}", self._get)
        self.base_url = await self._serve(app, access_log=None, shutdown_timeout=0.5)

    # --- the API ----------------------------------------------------------------------------

    async def _email(self, request: web.Request) -> web.Response:
        return await self._handle("email", request)

    async def _sms(self, request: web.Request) -> web.Response:
        return await self._handle("sms", request)

    async def _get(self, request: web.Request) -> web.Response:
        self.status_requests += 1
        try:
            self._authenticate(request.headers.get("Authorization", ""))
            notification_id = request.match_info["notification_id"]
            try:
                uuid.UUID(notification_id)
            except ValueError:
                raise _Refusal(
                    400, "ValidationError", "notification_id is not a valid UUID"
                ) from None
            sent = next((n for n in self.sent if n["id"] == notification_id), None)
            if sent is None:
                raise _Refusal(404, "NoResultFound", "No result found")
        except _Refusal as refusal:
            return self._refused(refusal)
        status = self._status_by_address.get(sent["to"].casefold(), "delivered")
        return web.json_response(
            {
                "id": sent["id"],
                "reference": sent["reference"],
                "email_address": sent["to"] if sent["route"] == "email" else None,
                "phone_number": sent["to"] if sent["route"] == "sms" else None,
                "type": sent["route"],
                "status": status,
                "template": {"id": sent["template_id"], "version": 1, "uri": ""},
                "body": sent["content"]["body"],
                "subject": sent["content"].get("subject"),
                "created_at": sent["created_at"],
                "sent_at": None,
                "completed_at": None,
            }
        )

    @staticmethod
    def _refused(refusal: _Refusal) -> web.Response:
        return web.json_response(
            {
                "errors": [{"error": refusal.error, "message": refusal.message}],
                "status_code": refusal.status,
            },
            status=refusal.status,
        )

    async def _handle(self, route: Route, request: web.Request) -> web.Response:
        self._in_flight += 1
        self._idle.clear()
        try:
            response = await self._answer(route, request)
        except _Refusal as refusal:
            response = self._refused(refusal)
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
        personalisation = self._uploads(route, personalisation)
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
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
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

    def _uploads(self, route: Route, personalisation: dict[str, Any]) -> dict[str, Any]:
        """Each file in the personalisation checked and stored; its value becomes the link."""
        files = [k for k, v in personalisation.items() if isinstance(v, dict) and "file" in v]
        if not files:
            return personalisation
        if route != "email":
            raise _Refusal(400, "BadRequestError", "Can only send a file by email")
        result = dict(personalisation)
        for key in files:
            upload = _checked_upload(personalisation[key])
            link = f"{self.base_url}/d/{uuid.uuid4().hex}"
            self.files[link] = upload
            result[key] = link
        return result

    @staticmethod
    def _render(text: str, personalisation: dict[str, Any]) -> str:
        return _PLACEHOLDER.sub(lambda m: str(personalisation[m.group(1).strip()]), text)


def _checked_upload(value: dict[str, Any]) -> dict[str, Any]:
    """One "send a file by email" value, refused as Notify refuses it; returns what was stored."""
    encoded = value.get("file")
    try:
        content = base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else None
    except ValueError:
        content = None
    if content is None:
        raise _Refusal(400, "BadRequestError", "Document is not base64 encoded")
    if len(content) > FILE_LIMIT:
        raise _Refusal(400, "BadRequestError", "File is larger than 2MB")
    filename = value.get("filename")
    if filename is not None:
        if not isinstance(filename, str) or len(filename) > MAX_FILENAME:
            raise _Refusal(
                400, "BadRequestError", "`filename` cannot be longer than 100 characters"
            )
        if "." not in filename:
            raise _Refusal(
                400,
                "BadRequestError",
                "`filename` must end with a file extension. For example, filename.csv",
            )
        extension = filename.rsplit(".", 1)[1].lower()
        if extension not in FILE_EXTENSIONS:
            allowed = ", ".join(f"'.{x}'" for x in FILE_EXTENSIONS)
            raise _Refusal(
                400,
                "BadRequestError",
                f"Unsupported file type '.{extension}'. Supported types are: {allowed}",
            )
    confirm = value.get("confirm_email_before_download")
    if confirm is not None and not isinstance(confirm, bool):
        raise _Refusal(
            400,
            "BadRequestError",
            f"Unsupported value for confirm_email_before_download: '{confirm}'. Use a boolean "
            "true or false value.",
        )
    retention = value.get("retention_period")
    if retention is not None:
        match = _RETENTION.match(retention.strip().lower()) if isinstance(retention, str) else None
        if match is None or not 1 <= int(match.group(1)) <= 78:
            raise _Refusal(
                400,
                "BadRequestError",
                f"Unsupported value for retention_period '{retention}'. Supported periods are "
                "from 1 to 78 weeks.",
            )
    return {
        "content": content,
        "filename": filename,
        # Notify's defaults: the email address check on, kept for 26 weeks
        "confirm_email_before_download": True if confirm is None else confirm,
        "retention_period": retention or "26 weeks",
    }
