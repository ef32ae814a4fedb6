"""The Slack endpoint against what a stranger or a broken sender can send, over real HTTP.

Unsigned, stale or unparseable requests are a 401 or 400 with a short JSON body and nothing
above DEBUG in the log; a signed but malformed payload is a 400 and exactly one WARNING naming
what was wrong; neither is ever a 500 or a traceback, and neither stores anything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from handlers.slack.ids import ReferralInput
from sandbox.slack import signed_requests as sr
from tests.integration.slack_harness import (
    ASSESSOR,
    SECRET,
    SlackEnv,
    referral_submission,
)


async def raw_post(env: SlackEnv, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with env.session.post(env.url, data=body, headers=headers) as response:
        return response.status, await response.text()


def signed_headers(body: bytes, timestamp: int | None = None, content_type: str = sr.FORM) -> dict:
    """Signed over the bytes as sent (sr.sign takes text, and these bodies need not be UTF-8)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    mac = hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + mac.hexdigest(),
        "Content-Type": content_type,
    }


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def nothing_stored(env: SlackEnv) -> None:
    assert await env.incidents() == []


UNSIGNED = {
    "no headers": (b"command=%2Fcir&text=help", {"Content-Type": sr.FORM}),
    "bad signature": (
        b"command=%2Fcir",
        {**sr.sign(SECRET, "something else"), "Content-Type": sr.FORM},
    ),
    "non-numeric timestamp": (
        b"command=%2Fcir",
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
    ),
    "huge timestamp": (
        b"command=%2Fcir",
        {"X-Slack-Request-Timestamp": "9" * 400, "X-Slack-Signature": "v0=00"},
    ),
    "non-ascii timestamp": (
        b"command=%2Fcir",
        {"X-Slack-Request-Timestamp": "١٢٣", "X-Slack-Signature": "v0=00"},
    ),
    "stale": (b"command=%2Fcir", sr.sign(SECRET, "command=%2Fcir", int(time.time()) - 301)),
    "non-utf8 unsigned": (b"payload=\xff\xfe", {"Content-Type": sr.FORM}),
    "payload not json unsigned": (b"payload=%7Bnope", {"Content-Type": sr.FORM}),
}


@pytest.mark.parametrize("case", UNSIGNED, ids=list(UNSIGNED))
async def test_unsigned_or_stale_is_401_with_a_short_json_body_and_no_log(
    slack_env: SlackEnv, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    body, headers = UNSIGNED[case]
    with caplog.at_level(logging.DEBUG):
        status, text = await raw_post(slack_env, body, headers)
    assert status == 401
    answer = json.loads(text)
    assert answer["ok"] is False
    assert len(text) < 120
    # the access log's one line per request is the only thing above DEBUG
    assert not [
        r for r in caplog.records if r.levelno >= logging.INFO and r.name != "aiohttp.access"
    ]
    await nothing_stored(slack_env)


SIGNED_UNPARSEABLE = {
    "non-utf8 body": (b"payload=\xff\xfe", sr.FORM, "not UTF-8"),
    "bad percent encoding": (b"text=%ff%fe&command=%2Fcir", sr.FORM, "not a valid form"),
    "not a form at all": (b"just some words", sr.FORM, "not a valid form"),
    "payload not json": (b"payload=%7Bnope", sr.FORM, "payload is not JSON"),
    "payload a list": (b"payload=%5B1%2C2%5D", sr.FORM, "payload is not a JSON object"),
    "json body a list": (b"[1, 2]", sr.JSON, "body is not a JSON object"),
    "json body broken": (b'{"type": "event_callback"', sr.JSON, "body is not JSON"),
    "empty": (b"", sr.FORM, "empty body"),
}


@pytest.mark.parametrize("case", SIGNED_UNPARSEABLE, ids=list(SIGNED_UNPARSEABLE))
async def test_signed_but_unparseable_is_400_and_one_warning(
    slack_env: SlackEnv, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    body, content_type, reason = SIGNED_UNPARSEABLE[case]
    with caplog.at_level(logging.DEBUG):
        status, text = await raw_post(slack_env, body, signed_headers(body, None, content_type))
    assert status == 400
    assert reason in json.loads(text)["error"]
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert reason in warning.getMessage()
    no_traceback(caplog)
    await nothing_stored(slack_env)


def interaction(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def action_payload(**changes: Any) -> dict[str, Any]:
    body = sr.block_actions("start_threshold_check", value="CIR-2026-0001")
    payload: dict[str, Any] = json.loads(dict(parse_qsl(body))["payload"])
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def submission_payload(view_changes: dict[str, Any], **values: Any) -> dict[str, Any]:
    body = referral_submission(**values)
    payload: dict[str, Any] = json.loads(dict(parse_qsl(body))["payload"])
    for key, value in view_changes.items():
        if value is None:
            payload["view"].pop(key, None)
        else:
            payload["view"][key] = value
    return payload


FAR_FUTURE = {"type": "datetimepicker", "selected_date_time": 10**15}
MALFORMED = {
    "missing user": (action_payload(user=None), "user missing"),
    "user is a string": (action_payload(user="U0ASSESSOR1"), "user missing or not an object"),
    "missing trigger_id": (action_payload(trigger_id=None), "trigger_id missing"),
    "missing actions": (action_payload(actions=None), "actions missing"),
    "actions not a list": (action_payload(actions="x"), "actions missing or not a list"),
    "action without id": (action_payload(actions=[{"value": "x"}]), "action_id missing"),
    "action value a number": (
        action_payload(actions=[{"action_id": "start_threshold_check", "value": 7}]),
        "actions[0].value is not a string",
    ),
    "missing view.state": (submission_payload({"state": None}), "view.state missing"),
    "state values wrong type": (
        submission_payload({"state": {"values": {"b": "x"}}}),
        "is not an object of objects",
    ),
    "private_metadata not ours": (
        submission_payload({"private_metadata": "<script>"}),
        "private_metadata is not ours",
    ),
    "date far out of range": (
        submission_payload({}, **{ReferralInput.DETECTED_AT.value: FAR_FUTURE}),
        "selected_date_time is out of range",
    ),
    "date not a number": (
        submission_payload(
            {}, **{ReferralInput.DETECTED_AT.value: {**FAR_FUTURE, "selected_date_time": [1]}}
        ),
        "selected_date_time is not a timestamp",
    ),
    "option of the wrong type": (
        submission_payload(
            {}, **{ReferralInput.COUNCIL.value: {"type": "external_select", "selected_option": 3}}
        ),
        "selected_option is not an option",
    ),
    "no type": (action_payload(type=None), "no payload type"),
    "view null in an unknown type": (  # found by the fuzz: Bolt's own logging read view.get
        action_payload(type="zz", view=None) | {"view": None},
        "view missing or not an object",
    ),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
async def test_signed_but_malformed_interaction_is_400_and_one_warning_naming_it(
    slack_env: SlackEnv, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    payload, reason = MALFORMED[case]
    with caplog.at_level(logging.DEBUG):
        status, text = await slack_env.send(interaction(payload))
    assert status == 400, text
    assert reason in json.loads(text)["error"]
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert reason in warning.getMessage()
    no_traceback(caplog)
    await nothing_stored(slack_env)


async def test_our_metadata_without_its_keys_is_400_from_the_one_error_handler(
    slack_env: SlackEnv, caplog: pytest.LogCaptureFixture
) -> None:
    """The shape is right but a listener finds our metadata lacks a key: the KeyError becomes
    a 400 in Bolt's error handler, with the listener's file and line in the WARNING."""
    values = {"target": {"value": {"type": "static_select", "selected_option": {"value": "x"}}}}
    body = sr.view_submission("phase_form", values, private_metadata=json.dumps({"a": "1"}))
    with caplog.at_level(logging.DEBUG):
        status, text = await slack_env.send(body)
    assert status == 400
    assert "KeyError" in json.loads(text)["error"]
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "KeyError: 'incident_id'" in warning.getMessage()
    assert "response.py:" in warning.getMessage()
    no_traceback(caplog)


async def test_a_well_formed_signed_request_still_works(slack_env: SlackEnv) -> None:
    status, _ = await slack_env.send(referral_submission(user=ASSESSOR))
    assert status == 200
    assert len(await slack_env.incidents()) == 1


async def test_a_note_mentioning_payload_reaches_the_command(slack_env: SlackEnv) -> None:
    """Bolt alone read any form containing the word "payload" as an empty interaction."""
    status, text = await slack_env.send(sr.slash_command(text="help payload"))
    assert status == 200
    assert "/cir report" in text


async def test_slacks_ssl_check_is_answered_without_a_signature(slack_env: SlackEnv) -> None:
    body = b"ssl_check=1&token=legacy-verification-token"
    status, text = await raw_post(slack_env, body, {"Content-Type": sr.FORM})
    assert (status, text) == (200, "")
    status, _ = await raw_post(slack_env, body + b"&command=%2Fcir", {"Content-Type": sr.FORM})
    assert status == 200  # whatever follows, nothing past the probe is read
    await nothing_stored(slack_env)


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"type": "shared_channel_invite_accepted", "invite": []}, "event.invite missing"),
        ({"type": "app_home_opened", "tab": "home"}, "event.user missing"),
        (None, "event missing or not an object"),
    ],
)
async def test_a_malformed_event_is_400_before_its_ack(  # found by the fuzz: it failed after
    slack_env: SlackEnv, caplog: pytest.LogCaptureFixture, event: Any, reason: str
) -> None:
    body = json.dumps(json.loads(sr.event_callback({})) | {"event": event}).encode()
    with caplog.at_level(logging.DEBUG):
        status, text = await raw_post(slack_env, body, signed_headers(body, None, sr.JSON))
    assert status == 400
    assert reason in json.loads(text)["error"]
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert reason in warning.getMessage()
    no_traceback(caplog)
