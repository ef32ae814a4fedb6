"""Edges of the request check found by a stranger's probe: a signature header that is not
ASCII (aiohttp keeps undecodable header bytes as surrogates), JSON nested deeper than Python's
stack, and our form metadata with a value that is not text. Each is refused, never a 500."""

from __future__ import annotations

import json

import pytest

from handlers.slack.parse import MalformedPayload
from handlers.slack.shape import check_shape
from handlers.slack.verify import Rejected, SlackSignature, parse_body

NOW = 1_800_000_000


def test_a_signature_that_is_not_ascii_is_401_not_a_crash() -> None:
    check = SlackSignature("secret", now=lambda: NOW)
    headers = {"X-Slack-Request-Timestamp": str(NOW), "X-Slack-Signature": "v0=\udce9"}
    with pytest.raises(Rejected) as refused:
        check.check(headers, b"command=%2Fcir")
    assert refused.value.status == 401


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_json_nested_past_the_stack_is_400(content_type: str) -> None:
    deep = "[" * 100_000
    raw = deep.encode() if content_type == "application/json" else f"payload={deep}".encode()
    with pytest.raises(Rejected) as refused:
        parse_body(raw, content_type)
    assert refused.value.status == 400


def test_our_metadata_with_a_value_that_is_not_text_is_malformed() -> None:
    payload = {
        "type": "view_submission",
        "trigger_id": "1.2.3",
        "user": {"id": "U1", "team_id": "T1"},
        "team": {"id": "T1"},
        "view": {
            "callback_id": "questionnaire_form",
            "private_metadata": json.dumps({"incident_id": 1}),
            "state": {"values": {}},
        },
    }
    with pytest.raises(MalformedPayload, match="not text"):
        check_shape(payload)
