"""The fakes are only worth having if the real slack_sdk and Bolt accept them as Slack."""

from __future__ import annotations

import io
import json
import time
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from fpdf import FPDF
from pypdf import PdfReader
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import signed_requests as sr
from sandbox.slack.api import FakeSlackApi

SECRET = "s3cr3t-signing"


async def test_channel_create_then_name_taken_then_message_read_back(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    created = await client.conversations_create(name="cir-2026-0001-leeds", is_private=True)
    channel = created["channel"]
    assert channel["id"].startswith("C")
    assert channel["is_private"] is True
    with pytest.raises(SlackApiError) as taken:
        await client.conversations_create(name="cir-2026-0001-leeds")
    assert taken.value.response["error"] == "name_taken"

    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Incident CIR-2026-0001"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Severity:* high"}]},
    ]
    posted = await client.chat_postMessage(channel=channel["id"], text="New", blocks=blocks)
    later = await client.chat_postMessage(channel=channel["id"], text="Second")
    assert float(later["ts"]) > float(posted["ts"])

    [first, _] = slack.messages(channel["id"])
    assert first["blocks"] == blocks
    assert slack.messages("C-elsewhere") == []
    read = slack.message_text(first)
    assert "Incident CIR-2026-0001" in read
    assert "*Severity:* high" in read
    await client.pins_add(channel=channel["id"], timestamp=posted["ts"])
    assert [c.method for c in slack.calls][-1] == "pins.add"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Has Caps", "invalid_name_specials"),
        ("a.b", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
    ],
)
async def test_channel_names_follow_slack_rules(
    client: AsyncWebClient, name: str, error: str
) -> None:
    with pytest.raises(SlackApiError) as bad:
        await client.conversations_create(name=name)
    assert bad.value.response["error"] == error


async def test_invites_topic_and_members_are_kept(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    cid = (await client.conversations_create(name="cir-x"))["channel"]["id"]
    await client.conversations_invite(channel=cid, users=["U1", "U2"])
    await client.conversations_setTopic(channel=cid, topic="Ransomware at Leeds")
    assert (await client.conversations_members(channel=cid))["members"] == ["UBOT", "U1", "U2"]
    info = await client.conversations_info(channel=cid)
    assert info["channel"]["topic"]["value"] == "Ransomware at Leeds"
    assert slack.calls_to("conversations.invite")[0]["users"] == "U1,U2"
    with pytest.raises(SlackApiError, match="already_in_channel"):
        await client.conversations_invite(channel=cid, users=["U1"])
    shared = await client.conversations_inviteShared(channel=cid, emails=["soc@council.gov.uk"])
    assert shared["invite_id"]
    assert shared["is_legacy_shared_channel"] is False
    assert slack.calls_to("conversations.inviteShared")[0]["emails"] == "soc@council.gov.uk"


async def test_users_views_and_unknown_methods(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    slack.add_user("U0PROV", "T0PROVIDER", "Pat Provider", email="pat@provider.example")
    user = (await client.users_info(user="U0PROV"))["user"]
    assert (user["team_id"], user["profile"]["email"]) == ("T0PROVIDER", "pat@provider.example")
    with pytest.raises(SlackApiError, match="user_not_found"):
        await client.users_info(user="U0NOBODY")
    slack.set_usergroup("S0DUTY", ["U1", "U2"])
    assert (await client.usergroups_users_list(usergroup="S0DUTY"))["users"] == ["U1", "U2"]

    modal = {
        "type": "modal", "callback_id": "triage", "title": {"type": "plain_text", "text": "T"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Triage"}}],
    }  # fmt: skip
    opened = (await client.views_open(trigger_id="1.2.3", view=modal))["view"]
    assert opened["id"].startswith("V")
    assert opened["callback_id"] == "triage"
    assert opened["hash"]
    assert slack.calls_to("views.open")[0]["view"] == modal
    await client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal)
    with pytest.raises(SlackApiError, match="hash_conflict"):
        await client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal)

    with pytest.raises(SlackApiError) as unknown:
        await client.api_call("chat.postMesage", params={"text": "x"})
    assert unknown.value.response.data == {
        "ok": False, "error": "unknown_method", "req_method": "chat.postMesage",
    }  # fmt: skip
    assert slack.calls_to("chat.postMesage") == [{"text": "x"}]


async def test_missing_token_is_not_authed(slack: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError, match="not_authed"):
        await AsyncWebClient(base_url=slack.base_url).auth_test()


async def test_rate_limit_is_retried_by_the_sdk_handler(slack: FakeSlackApi) -> None:
    client = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.rate_limit_next("chat.postMessage", retry_after=1)
    answer = await client.chat_postMessage(channel="C1", text="hello")
    assert answer["ok"] is True
    calls = [c for c in slack.calls if c.method == "chat.postMessage"]
    assert len(calls) == 2
    assert calls[1].at - calls[0].at >= 1.0
    assert [m["text"] for m in slack.messages("C1")] == ["hello"]


async def test_faults_are_consumed_in_order(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage", error="channel_not_found")
    slack.server_error_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError, match="channel_not_found"):
        await client.chat_postMessage(channel="C1", text="a")
    with pytest.raises(SlackApiError) as failed:
        await client.chat_postMessage(channel="C1", text="b")
    assert failed.value.response.status_code == 500
    assert (await client.chat_postMessage(channel="C1", text="c"))["ok"] is True
    assert len(slack.calls_to("chat.postMessage")) == 3
    assert [m["text"] for m in slack.messages()] == ["c"]

    slack.server_error_next("auth.test", status=503)
    retrying = AsyncWebClient(
        token="xoxb-test",
        base_url=slack.base_url,
        retry_handlers=[AsyncServerErrorRetryHandler(1, FixedValueRetryIntervalCalculator(0.01))],
    )
    assert (await retrying.auth_test())["user_id"] == "UBOT"

    slack.delay_next("auth.test", 0.3)
    started = time.monotonic()
    await client.auth_test()
    assert time.monotonic() - started >= 0.3


async def test_files_upload_v2_records_the_bytes(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Post-incident report CIR-2026-0001")
    data = bytes(pdf.output())
    answer = await client.files_upload_v2(
        channel="C1", filename="report.pdf", title="Final report", content=data
    )
    assert answer["file"]["title"] == "Final report"
    [upload] = slack.uploads
    assert (upload.filename, upload.title, upload.channel) == ("report.pdf", "Final report", "C1")
    text = PdfReader(io.BytesIO(upload.data)).pages[0].extract_text()
    assert "CIR-2026-0001" in text


def _bolt(slack: FakeSlackApi) -> tuple[AsyncApp, web.Application]:
    bolt = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token="xoxb-test", base_url=slack.base_url),
        process_before_response=True,  # listeners finish before the answer: no race in asserts
    )

    async def endpoint(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", endpoint)
    return bolt, web_app


async def test_signed_requests_pass_bolt_verification(slack: FakeSlackApi) -> None:
    bolt, web_app = _bolt(slack)
    seen: list[dict[str, str]] = []

    @bolt.command("/cir")
    async def on_cir(ack: AsyncAck, command: dict[str, str]) -> None:
        seen.append(command)
        await ack(text=f"got {command['text']}")

    async with TestServer(web_app) as server, aiohttp.ClientSession() as session:
        url = str(server.make_url("/slack/events"))
        body = sr.slash_command(text="new Leeds ransomware")
        status, text = await sr.post(session, url, body, SECRET)
        assert status == 200
        assert "got new Leeds ransomware" in text
        assert seen[0]["user_id"] == "U0ASSESSOR1"
        assert seen[0]["team_id"] == "T0MHCLG"
        assert slack.calls_to("auth.test"), "Bolt authorises through the fake"
        assert (await sr.post(session, url, body, SECRET, tamper=True))[0] == 401
        stale = int(time.time()) - 600
        assert (await sr.post(session, url, body, SECRET, timestamp=stale))[0] == 401
    assert len(seen) == 1


async def test_every_payload_kind_reaches_its_bolt_listener(slack: FakeSlackApi) -> None:
    bolt, web_app = _bolt(slack)
    got: dict[str, Any] = {}

    @bolt.action("acknowledge")
    async def on_action(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        got["action"] = (body["actions"][0]["value"], body["user"]["team_id"], body["team"]["id"])

    @bolt.view("triage")
    async def on_view(ack: AsyncAck, view: dict[str, Any]) -> None:
        await ack()
        got["view"] = view["state"]["values"]["b_org"]["org"]["value"]

    @bolt.shortcut("new_referral")
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        got[body["type"]] = body["callback_id"]

    @bolt.shortcut("log_message")
    async def on_message_action(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        got[body["type"]] = body["message"]["text"]

    @bolt.event("app_home_opened")
    async def on_home(event: dict[str, Any]) -> None:
        got["event"] = event["user"]

    values = {"b_org": {"org": {"type": "plain_text_input", "value": "Leeds City Council"}}}
    bodies = [
        sr.block_actions("acknowledge", "inc-7", channel_id="C1", user_team_id="T0COUNCIL"),
        sr.view_submission("triage", values),
        sr.shortcut("new_referral"),
        sr.message_action("log_message", "we are hit", "C1", "1700000000.000100"),
        sr.event_callback({"type": "app_home_opened", "user": "U0ASSESSOR1", "tab": "home"}),
    ]
    async with TestServer(web_app) as server, aiohttp.ClientSession() as session:
        url = str(server.make_url("/slack/events"))
        statuses = [(await sr.post(session, url, body, SECRET))[0] for body in bodies]
        retried = await sr.post(session, url, bodies[-1], SECRET, retry_num=1)
    assert statuses == [200] * 5
    assert retried[0] == 200
    assert got == {
        "action": ("inc-7", "T0COUNCIL", "T0MHCLG"),
        "view": "Leeds City Council",
        "shortcut": "new_referral",
        "message_action": "we are hit",
        "event": "U0ASSESSOR1",
    }


def test_payload_shapes_match_slack() -> None:
    body = sr.block_actions("ack", value="inc-1", team_id="T0MHCLG", user_team_id="T0COUNCIL")
    payload = json.loads(parse_qs(body)["payload"][0])
    assert payload["team"]["id"] == "T0MHCLG"
    assert payload["user"]["team_id"] == "T0COUNCIL"
    assert payload["actions"][0] == payload["actions"][0] | {"action_id": "ack", "value": "inc-1"}
    headers = sr.sign(SECRET, body, timestamp=int(time.time()))
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    event = json.loads(sr.event_callback({"type": "app_home_opened", "user": "U1"}))
    assert event["type"] == "event_callback"
    assert event["event"]["type"] == "app_home_opened"
    values = {"b_org": {"org": {"type": "plain_text_input", "value": "Leeds"}}}
    submitted = json.loads(parse_qs(sr.view_submission("triage", values))["payload"][0])
    assert submitted["view"]["state"]["values"] == values
