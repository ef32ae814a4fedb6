"""The Notify adapter against a local Notify over real HTTP, speaking the official client's
protocol with its token."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest
import time_machine
from notifications_python_client.authentication import create_jwt_token

from bot.ports.notify import Delivery
from handlers.notify import DisabledNotifier, NotifyNotifier, build_notifier
from handlers.notify import client as notify_client
from sandbox.notify.api import FakeNotifyApi
from tests.integration.waiting import within

DUTY_MANAGER = "duty.manager@communities.gov.uk"
MOBILE = "07700 900123"
BODY = "CIR-2026-0042: KPMG has not contacted Exampleshire within 30 minutes."


class RecordingSleep:
    """Stands in for asyncio.sleep so the backoff can be read back without waiting for it."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


OPENED: list[NotifyNotifier] = []  # closed after each test: each holds a connection pool


@pytest.fixture
async def api() -> AsyncIterator[FakeNotifyApi]:
    async with FakeNotifyApi() as server:
        yield server
        while OPENED:
            await OPENED.pop().close()


def notifier_for(api: FakeNotifyApi, *, api_key: str = "", **options: Any) -> NotifyNotifier:
    options = {"base_delay": 0.01, "timeout": 2.0, **options}
    notifier = NotifyNotifier(
        api_key or api.api_key,
        api.base_url,
        api.email_template_id,
        api.sms_template_id,
        **options,
    )
    OPENED.append(notifier)
    return notifier


async def test_email_goes_out_with_the_generic_template(api: FakeNotifyApi) -> None:
    notifier = notifier_for(api)
    delivery = await notifier.send_email(
        DUTY_MANAGER, "Escalation: CIR-2026-0042", BODY, reference="CIR-2026-0042"
    )
    assert delivery.ok
    assert delivery.route == "email"
    assert delivery.attempts == 1
    assert delivery.recipient == DUTY_MANAGER
    assert delivery.error == ""
    [sent] = api.sent
    assert sent["id"] == delivery.notification_id
    assert sent["route"] == "email"
    assert sent["to"] == DUTY_MANAGER
    assert sent["template_id"] == api.email_template_id
    assert sent["personalisation"] == {"subject": "Escalation: CIR-2026-0042", "body": BODY}
    assert sent["reference"] == "CIR-2026-0042"
    assert sent["content"]["subject"] == "Escalation: CIR-2026-0042"
    assert sent["content"]["body"] == BODY


async def test_sms_goes_out_with_the_generic_template(api: FakeNotifyApi) -> None:
    delivery = await notifier_for(api).send_sms(MOBILE, BODY, reference="CIR-2026-0042")
    assert delivery == Delivery(True, "sms", MOBILE, notification_id=api.sent[0]["id"])
    [sent] = api.sent
    assert sent["route"] == "sms"
    assert sent["to"] == MOBILE
    assert sent["template_id"] == api.sms_template_id
    assert sent["personalisation"] == {"body": BODY}
    assert sent["content"]["body"] == BODY


async def test_a_server_error_is_retried_and_the_message_delivered(api: FakeNotifyApi) -> None:
    api.fail_next("email", status=500)
    sleep = RecordingSleep()
    delivery = await notifier_for(api, base_delay=0.25, sleep=sleep).send_email(
        DUTY_MANAGER, "s", BODY, reference="CIR-2026-0001"
    )
    assert delivery.ok
    assert delivery.attempts == 2
    assert api.answers == [("email", 500), ("email", 201)]
    assert sleep.delays == [0.25]
    assert len(api.sent) == 1


async def test_a_proxy_error_page_is_retried(api: FakeNotifyApi) -> None:
    api.fail_next("sms", status=502, times=2)
    delivery = await notifier_for(api).send_sms(MOBILE, BODY, reference="CIR-2026-0001")
    assert delivery.ok
    assert delivery.attempts == 3
    assert [status for _, status in api.answers] == [502, 502, 201]


async def test_rate_limiting_is_retried_and_retry_after_is_respected(api: FakeNotifyApi) -> None:
    api.rate_limit_next("sms")
    api.rate_limit_next("sms", retry_after=3)
    sleep = RecordingSleep()
    delivery = await notifier_for(api, base_delay=0.5, sleep=sleep).send_sms(
        MOBILE, BODY, reference="CIR-2026-0002"
    )
    assert delivery.ok
    assert delivery.attempts == 3
    assert [status for _, status in api.answers] == [429, 429, 201]
    assert sleep.delays == [0.5, 3.0]


async def test_a_timeout_is_retried_and_may_leave_a_duplicate(api: FakeNotifyApi) -> None:
    # Notify hangs on the first request for three times the timeout; the margin is for a busy
    # machine, where the retry must still be answered within the timeout.
    api.delay_next("email", seconds=3.0)
    delivery = await notifier_for(api, timeout=1.0).send_email(
        DUTY_MANAGER, "s", BODY, reference="CIR-2026-0003"
    )
    assert delivery.ok
    assert delivery.attempts == 2
    assert delivery.notification_id == api.sent[0]["id"]
    # Notify had no way to tell the first request was abandoned: at-least-once, not exactly-once.
    await within(api.settled(), "the abandoned request to be answered")
    assert [s["reference"] for s in api.sent] == ["CIR-2026-0003", "CIR-2026-0003"]


async def test_giving_up_after_max_attempts_reports_why(
    api: FakeNotifyApi, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next("sms", status=500, times=4)
    sleep = RecordingSleep()
    with caplog.at_level(logging.INFO, logger="handlers.notify"):
        delivery = await notifier_for(api, base_delay=0.5, sleep=sleep).send_sms(
            MOBILE, BODY, reference="CIR-2026-0004"
        )
    assert not delivery.ok
    assert delivery.attempts == 4
    assert delivery.error == "500 Exception: Internal server error"
    assert sleep.delays == [0.5, 1.0, 2.0]
    assert api.sent == []
    assert api.requests_to("sms") == 4
    ours = [r for r in caplog.records if r.name.startswith("handlers.notify")]
    warnings = [r.getMessage() for r in ours if r.levelno == logging.WARNING]
    assert len(warnings) == 4
    assert all("CIR-2026-0004" in w for w in warnings)
    assert not any(BODY in r.getMessage() or "07700" in r.getMessage() for r in caplog.records)


async def test_backoff_is_capped(api: FakeNotifyApi) -> None:
    api.fail_next("email", status=503, times=5)
    sleep = RecordingSleep()
    delivery = await notifier_for(
        api, base_delay=1.0, max_delay=3.0, max_attempts=5, sleep=sleep
    ).send_email(DUTY_MANAGER, "s", BODY, reference="CIR-2026-0005")
    assert not delivery.ok
    assert delivery.attempts == 5
    assert delivery.error.startswith("503 ")
    assert sleep.delays == [1.0, 2.0, 3.0, 3.0]


async def test_a_bad_request_is_not_retried(api: FakeNotifyApi) -> None:
    delivery = await notifier_for(api).send_sms("not a number", BODY, reference="CIR-2026-0006")
    assert not delivery.ok
    assert delivery.attempts == 1
    assert delivery.error == "400 ValidationError: phone_number Not a UK mobile number"
    assert api.answers == [("sms", 400)]


async def test_a_template_of_the_wrong_kind_is_refused_once(api: FakeNotifyApi) -> None:
    notifier = NotifyNotifier(
        api.api_key, api.base_url, api.sms_template_id, api.sms_template_id, base_delay=0.01
    )
    OPENED.append(notifier)
    delivery = await notifier.send_email(DUTY_MANAGER, "s", BODY, reference="CIR-2026-0007")
    assert not delivery.ok
    assert delivery.attempts == 1
    assert "sms template is not suitable for email" in delivery.error
    assert api.requests_to("email") == 1


async def test_a_wrong_api_key_is_refused_and_never_leaks(
    api: FakeNotifyApi, caplog: pytest.LogCaptureFixture
) -> None:
    wrong_key = f"cir_live-{api.service_id}-{uuid.uuid4()}"
    with caplog.at_level(logging.DEBUG):
        delivery = await notifier_for(api, api_key=wrong_key).send_email(
            DUTY_MANAGER, "s", BODY, reference="CIR-2026-0008"
        )
    assert not delivery.ok
    assert delivery.attempts == 1
    assert delivery.error == "403 AuthError: Invalid token: API key not found"
    assert api.answers == [("email", 403)]
    assert api.sent == []
    secret = wrong_key[-36:]
    assert secret not in delivery.error
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "CIR-2026-0008" in logged
    assert secret not in logged
    assert BODY not in logged


async def test_a_key_for_another_service_is_refused(api: FakeNotifyApi) -> None:
    other = f"test_key-{uuid.uuid4()}-{uuid.uuid4()}"
    delivery = await notifier_for(api, api_key=other).send_sms(MOBILE, BODY, reference="R")
    assert delivery.error == "403 AuthError: Invalid token: service not found"
    assert delivery.attempts == 1


async def test_notify_unreachable_is_retried_then_reported(api: FakeNotifyApi) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    sleep = RecordingSleep()
    notifier = NotifyNotifier(
        api.api_key,
        f"http://127.0.0.1:{closed_port}",
        api.email_template_id,
        api.sms_template_id,
        max_attempts=3,
        sleep=sleep,
    )
    OPENED.append(notifier)
    delivery = await notifier.send_email(DUTY_MANAGER, "s", BODY, reference="CIR-2026-0009")
    assert not delivery.ok
    assert delivery.attempts == 3
    assert delivery.error == "could not connect to Notify"
    assert len(sleep.delays) == 2


async def test_concurrent_sends_all_arrive(api: FakeNotifyApi) -> None:
    notifier = notifier_for(api)
    deliveries = await asyncio.gather(
        *(notifier.send_sms(MOBILE, f"update {n}", reference=f"CIR-2026-{n:04d}") for n in range(8))
    )
    assert all(d.ok for d in deliveries)
    assert sorted(s["reference"] for s in api.sent) == [f"CIR-2026-{n:04d}" for n in range(8)]
    assert len({d.notification_id for d in deliveries}) == 8


async def test_without_an_api_key_nothing_is_sent_and_the_caller_is_told() -> None:
    notifier = build_notifier("", "https://api.notifications.service.gov.uk", "", "")
    assert isinstance(notifier, DisabledNotifier)
    email = await notifier.send_email(DUTY_MANAGER, "s", BODY, reference="CIR-2026-0010")
    sms = await notifier.send_sms(MOBILE, BODY, reference="CIR-2026-0010")
    for delivery, route in ((email, "email"), (sms, "sms")):
        assert not delivery.ok
        assert delivery.route == route
        assert delivery.attempts == 0
        assert delivery.error == "GOV.UK Notify is not configured (NOTIFY_API_KEY)"


def test_a_malformed_key_or_missing_template_fails_at_start_up_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="NOTIFY_API_KEY must look like") as bad_key:
        build_notifier("not-a-notify-key-secret123", "https://example.invalid", "a", "b")
    assert "secret123" not in str(bad_key.value)
    key = f"test_key-{uuid.uuid4()}-{uuid.uuid4()}"
    with pytest.raises(ValueError, match="NOTIFY_SMS_TEMPLATE_ID"):
        build_notifier(key, "https://example.invalid", "a", "")


def _token(api: FakeNotifyApi, *, iat_offset: int = 0, secret: str = "") -> str:
    claims = {"iss": api.service_id, "iat": int(time.time()) + iat_offset}
    return jwt.encode(claims, secret or api.api_key[-36:], algorithm="HS256")


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({}, 401, "Unauthorized: authentication token must be provided"),
        ("stale", 403, "Error: Your system clock must be accurate to within 30 seconds"),
        ("forged", 403, "Invalid token: API key not found"),
        ("garbage", 403, "Invalid token: signature"),
    ],
)
async def test_the_stand_in_checks_the_token_as_notify_does(
    api: FakeNotifyApi, headers: Any, status: int, message: str
) -> None:
    tokens = {
        "stale": _token(api, iat_offset=-120),
        "forged": _token(api, secret=str(uuid.uuid4())),
        "garbage": "not.a.jwt",
    }
    if isinstance(headers, str):
        headers = {"Authorization": f"Bearer {tokens[headers]}"}
    payload = {"phone_number": MOBILE, "template_id": api.sms_template_id}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{api.base_url}/v2/notifications/sms", json=payload, headers=headers
        ) as answer:
            body = await answer.json()
    assert answer.status == status
    assert body == {"errors": [{"error": "AuthError", "message": message}], "status_code": status}
    assert api.sent == []


async def test_the_stand_in_requires_the_template_personalisation(api: FakeNotifyApi) -> None:
    headers = {"Authorization": f"Bearer {_token(api)}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{api.base_url}/v2/notifications/email",
            json={"email_address": DUTY_MANAGER, "template_id": api.email_template_id},
            headers=headers,
        ) as missing_personalisation:
            first = await missing_personalisation.json()
        async with http.post(
            f"{api.base_url}/v2/notifications/email",
            json={"template_id": api.email_template_id},
            headers=headers,
        ) as missing_address:
            second = await missing_address.json()
    assert missing_personalisation.status == 400
    assert first["errors"] == [
        {"error": "BadRequestError", "message": "Missing personalisation: subject, body"}
    ]
    assert missing_address.status == 400
    assert second["errors"][0]["message"] == "email_address is a required property"


async def test_a_token_is_signed_once_a_second_and_notify_accepts_it(
    api: FakeNotifyApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every token made within one second is the same (its `iat` is in whole seconds), so
    it is signed once per second and shared by the notifier's copies; the next second brings
    a new one, and the stand-in, checking as Notify does, accepts each."""
    signed: list[str] = []
    sign = create_jwt_token

    def counted(secret: str, service_id: str) -> str:
        signed.append(service_id)
        return str(sign(secret, service_id))

    monkeypatch.setattr(notify_client, "create_jwt_token", counted)
    notifier = notifier_for(api)
    firing = notifier.single_attempt()
    with time_machine.travel(1_800_000_000.2, tick=False) as traveller:
        first = notifier._headers()["Authorization"]
        assert firing._headers()["Authorization"] == first
        assert (await notifier.send_email(DUTY_MANAGER, "S", BODY, reference="r1")).ok
        assert (await firing.send_sms(MOBILE, BODY, reference="r2")).ok
        traveller.shift(1)
        second = notifier._headers()["Authorization"]
        assert (await notifier.send_email(DUTY_MANAGER, "S", BODY, reference="r3")).ok
    assert len(signed) == 2  # six tokens used, in two seconds
    claims = [
        jwt.decode(header.removeprefix("Bearer "), options={"verify_signature": False})
        for header in (first, second)
    ]
    assert [c["iat"] for c in claims] == [1_800_000_000, 1_800_000_001]
    assert {c["iss"] for c in claims} == {api.service_id}
