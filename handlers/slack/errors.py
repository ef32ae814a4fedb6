"""One place where a listener's failure on a malformed payload becomes a 400 and one WARNING.

The transport (handlers.slack.endpoint) checks every signed payload's shape before Bolt runs;
what still gets through is a value a listener reads and cannot use (a date out of range, a
field of the wrong type inside a form, our private_metadata missing a key). Those surface as
MalformedPayload from `parse`, or as the LookupError/TypeError/ValueError a listener raises
reading a payload Slack would never send. They are the sender's fault, so they are a 400 with
a one-line WARNING naming the error and where it was raised (enough to find a real bug), not
a 500 with a traceback. The database being unreachable before the listener answered is
answered in plain words (`unsaved`): nothing was stored, try again. Anything else is still a
500, logged with its traceback.
"""

from __future__ import annotations

import json
import logging
import traceback
from typing import Any

from slack_bolt.response import BoltResponse

from bot.views.failures import failure_words
from storage.errors import commits, is_unavailable

log = logging.getLogger(__name__)

MALFORMED = (LookupError, TypeError, ValueError)


def is_malformed(error: BaseException) -> bool:
    """A payload Slack would never send: our MalformedPayload, a lookup or type error reading
    it, or Bolt's own code assuming a shape (an AttributeError raised inside slack_bolt, such
    as `None.get`). An AttributeError in our code is a bug, and stays a 500."""
    if isinstance(error, MALFORMED):
        return True
    if isinstance(error, AttributeError):
        frames = traceback.extract_tb(error.__traceback__)
        return bool(frames) and "/slack_bolt/" in frames[-1].filename
    return False


def where(error: BaseException) -> str:
    """file:line of the innermost frame, so the WARNING points at the code that tripped."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


def describe(error: BaseException) -> str:
    # a KeyError's message is the key, which is a field name, not content; other messages are
    # ours (MalformedPayload) or Python's about types, so they are cut short all the same
    return f"{type(error).__name__}: {str(error)[:120]}"


def unsaved(body: dict[str, Any]) -> BoltResponse:
    """The answer, in plain words, to a request whose action could not be stored. A form gets
    a small view pushed on top of it, so what the person typed is still there underneath to
    submit again; a command gets a private reply. Whether part of it was stored is told
    truthfully (`commits` counts this request's committed units of work)."""
    words = failure_words(unavailable=True, stored=commits.get() > 0)
    if body.get("type") == "view_submission":
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Not saved"},
            "close": {"type": "plain_text", "text": "Back"},
            "blocks": [{"type": "section", "text": {"type": "plain_text", "text": words}}],
        }
        answer: dict[str, Any] = {"response_action": "push", "view": view}
    else:
        answer = {"response_type": "ephemeral", "text": words}
    return BoltResponse(
        status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
    )


def bad_request(reason: str) -> BoltResponse:
    return BoltResponse(
        status=400,
        body=json.dumps({"ok": False, "error": f"malformed request: {reason}"}),
        headers={"content-type": "application/json"},
    )


async def on_error(
    error: Exception, body: dict[str, Any], response: BoltResponse | None
) -> BoltResponse | None:
    """`response` is None when the listener had already acknowledged: Slack has its answer,
    so the WARNING is all that is left to do (Bolt refuses a replacement response then)."""
    kind = body.get("type") or body.get("command") or "?"
    if is_malformed(error):
        reason = describe(error)
        log.warning("malformed Slack %s: %s at %s", str(kind)[:40], reason, where(error))
        return bad_request(reason) if response is not None else None
    if response is not None and is_unavailable(error):
        log.warning("database unavailable during Slack %s", str(kind)[:40])
        return unsaved(body)
    log.error("listener failed on Slack %s", str(kind)[:40], exc_info=error)
    return None
