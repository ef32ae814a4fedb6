"""Bolt's one error handler: malformed payloads are a 400 and one WARNING; after an ack there is
no answer left to change, so only the WARNING; anything else stays a loud 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from slack_bolt.response import BoltResponse

from handlers.slack.errors import on_error
from handlers.slack.parse import MalformedPayload


def raised(error: Exception) -> Exception:
    try:
        raise error
    except Exception as caught:
        return caught


async def test_a_malformed_payload_is_a_400_and_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        answer = await on_error(
            raised(KeyError("channel")), {"type": "view_submission"}, BoltResponse(status=500)
        )
    assert answer is not None
    assert answer.status == 400
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert not record.exc_info
    assert (
        "view_submission: KeyError: 'channel' at test_slack_error_handler.py:"
        in record.getMessage()
    )


async def test_after_an_ack_only_the_warning_is_left(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        answer = await on_error(raised(MalformedPayload("x is out of range")), {}, None)
    assert answer is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


async def test_a_real_bug_is_still_an_error_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        answer = await on_error(
            raised(RuntimeError("boom")), {"command": "/cir"}, BoltResponse(status=500)
        )
    assert answer is None  # Bolt keeps its 500
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info


async def test_an_attribute_error_is_malformed_only_inside_bolt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bolt's code assumes shapes (None.get); our own AttributeError is a bug."""
    from slack_bolt.logger.messages import _build_filtered_body

    with caplog.at_level(logging.DEBUG):
        inside = raised_by(lambda: _build_filtered_body({"view": None}))
        assert (await on_error(inside, {}, BoltResponse(status=500))) is not None
        ours = raised_by(lambda: None.get("x"))  # type: ignore[attr-defined]
        assert (await on_error(ours, {}, BoltResponse(status=500))) is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.ERROR]


def raised_by(call: Callable[[], object]) -> Exception:
    try:
        call()
    except Exception as caught:
        return caught
    raise AssertionError("did not raise")
