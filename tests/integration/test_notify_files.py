"""GOV.UK Notify's "send a file by email" and status look-up, against the stand-in over HTTP: the
stand-in refuses what Notify refuses, with Notify's words, and the adapter sends what Notify
accepts (the official client's `prepare_upload` body in the template's file placeholder)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from notifications_python_client.authentication import create_jwt_token

from bot.ports.notify import Attachment, DeliveryState
from handlers.notify.client import NO_FILE_TEMPLATE, DisabledNotifier, NotifyNotifier
from sandbox.notify.api import FakeNotifyApi

PDF = b"%PDF-1.4\nreport\n"


@pytest.fixture
async def api() -> AsyncIterator[FakeNotifyApi]:
    async with FakeNotifyApi() as fake:
        yield fake


async def post(api: FakeNotifyApi, body: dict[str, Any], route: str = "email") -> tuple[int, Any]:
    token = create_jwt_token(api.api_key[-36:], api.service_id)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{api.base_url}/v2/notifications/{route}",
            data=json.dumps(body),
            headers={"Authorization": f"Bearer {token}", "Content-type": "application/json"},
        ) as response,
    ):
        return response.status, await response.json()


def upload(content: bytes = PDF, **fields: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "file": base64.b64encode(content).decode("ascii"),
        "filename": "report.pdf",
        "confirm_email_before_download": True,
        "retention_period": "26 weeks",
    }
    return {**value, **fields}


def email(api: FakeNotifyApi, file: dict[str, Any] | None, **more: Any) -> dict[str, Any]:
    personalisation: dict[str, Any] = {"subject": "S", "body": "B", **more}
    if file is not None:
        personalisation["link_to_file"] = file
    return {
        "email_address": "someone@ncsc.example",
        "template_id": api.file_template_id,
        "personalisation": personalisation,
    }


def refusal(message: str) -> dict[str, Any]:
    return {"status_code": 400, "errors": [{"error": "BadRequestError", "message": message}]}


async def test_a_file_over_two_megabytes_is_refused_with_notifys_error(api) -> None:
    too_big = b"x" * (2 * 1024 * 1024 + 1)
    assert await post(api, email(api, upload(too_big))) == (
        400,
        refusal("File is larger than 2MB"),
    )
    exactly = b"x" * (2 * 1024 * 1024)
    assert (await post(api, email(api, upload(exactly))))[0] == 201


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"filename": "report"},
            "`filename` must end with a file extension. For example, filename.csv",
        ),
        ({"filename": "r" * 97 + ".pdf"}, "`filename` cannot be longer than 100 characters"),
        (
            {"filename": "report.md"},
            "Unsupported file type '.md'. Supported types are: '.csv', '.doc', '.docx', "
            "'.jpeg', '.jpg', '.odt', '.pdf', '.png', '.rtf', '.txt', '.xlsx'",
        ),
        (
            {"retention_period": "79 weeks"},
            "Unsupported value for retention_period '79 weeks'. Supported periods are from 1 "
            "to 78 weeks.",
        ),
        (
            {"retention_period": "6 months"},
            "Unsupported value for retention_period '6 months'. Supported periods are from 1 "
            "to 78 weeks.",
        ),
        (
            {"confirm_email_before_download": "yes"},
            "Unsupported value for confirm_email_before_download: 'yes'. Use a boolean true or "
            "false value.",
        ),
    ],
)
async def test_the_upload_is_checked_as_notify_checks_it(api, fields, message) -> None:
    assert await post(api, email(api, upload(**fields))) == (400, refusal(message))
    assert api.sent == []


async def test_the_template_placeholder_must_be_given_and_files_go_by_email_only(api) -> None:
    status, answer = await post(api, email(api, None))
    assert (status, answer["errors"][0]["message"]) == (
        400,
        "Missing personalisation: link_to_file",
    )
    sms = {"phone_number": "07700900123", "template_id": api.sms_template_id}
    sms["personalisation"] = {"body": upload()}
    assert await post(api, sms, route="sms") == (400, refusal("Can only send a file by email"))


async def test_one_week_and_a_singular_week_are_accepted_and_the_link_replaces_the_file(
    api,
) -> None:
    status, answer = await post(api, email(api, upload(retention_period="1 week")))
    assert status == 201
    [sent] = api.sent
    link = sent["personalisation"]["link_to_file"]
    assert link in answer["content"]["body"]
    assert api.files[link]["content"] == PDF


async def test_the_adapter_sends_the_official_clients_upload_and_reads_the_status(api) -> None:
    notifier = NotifyNotifier(
        api.api_key,
        api.base_url,
        api.email_template_id,
        api.sms_template_id,
        file_template_id=api.file_template_id,
    )
    try:
        attachment = Attachment(PDF, "cir-2026-0001-report-v1.pdf", 12)
        delivery = await notifier.send_file(
            "someone@ncsc.example", "S", "B", attachment, reference="CIR-2026-0001"
        )
        assert delivery.ok
        assert delivery.notification_id
        [sent] = api.sent
        stored = api.files[sent["personalisation"]["link_to_file"]]
        assert stored == {
            "content": PDF,
            "filename": "cir-2026-0001-report-v1.pdf",
            "confirm_email_before_download": True,
            "retention_period": "12 weeks",
        }
        assert (await notifier.status(delivery.notification_id)).state is DeliveryState.DELIVERED
        api.deliver_as("someone@ncsc.example", "technical-failure")
        failed = await notifier.status(delivery.notification_id)
        assert (failed.state, failed.detail) == (DeliveryState.FAILED, "technical-failure")
        api.deliver_as("someone@ncsc.example", "created")
        assert (await notifier.status(delivery.notification_id)).state is DeliveryState.PENDING
        unknown = await notifier.status("0" * 8 + "-0000-0000-0000-" + "0" * 12)
        assert unknown.state is DeliveryState.UNKNOWN
        assert "No result found" in unknown.detail

        too_big = Attachment(b"x" * (2 * 1024 * 1024 + 1), "big.pdf", 26)
        refused = await notifier.send_file("a@b.example", "S", "B", too_big, reference="R")
        assert (refused.ok, refused.error, refused.attempts) == (
            False,
            "File is larger than 2MB",
            0,
        )
        assert len(api.sent) == 1  # nothing was sent for it
    finally:
        await notifier.close()


async def test_without_a_file_template_or_a_key_nothing_is_sent_and_it_says_why(api) -> None:
    notifier = NotifyNotifier(api.api_key, api.base_url, api.email_template_id, api.sms_template_id)
    try:
        attachment = Attachment(PDF, "r.pdf", 26)
        delivery = await notifier.send_file("a@b.example", "S", "B", attachment, reference="R")
        assert (delivery.ok, delivery.error) == (False, NO_FILE_TEMPLATE)
    finally:
        await notifier.close()
    disabled = DisabledNotifier()
    assert not (await disabled.send_file("a@b.example", "S", "B", attachment, reference="R")).ok
    assert (await disabled.status("x")).state is DeliveryState.UNKNOWN
    assert api.sent == []
