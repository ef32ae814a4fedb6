"""A broad `except` logs its traceback so an operator can find the failing line, but an
exception's message can hold incident content (SQL parameters, what a person typed): the log
keeps where it failed and what was raised, never what the exception said."""

from __future__ import annotations

import io
import json
import logging
import sys

from bot.app.logging import JsonFormatter, TextFormatter, redacted_traceback

SECRET = "Priya Patel 07700 900777 ransomware note"


def _store(text: str) -> None:
    raise ValueError(f"INSERT failed for {text!r}")


def _save(text: str) -> None:
    try:
        _store(text)
    except ValueError as exc:
        raise RuntimeError(f"while saving {text}") from exc


def _logged(formatter: logging.Formatter) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    log = logging.getLogger("tests.redact")
    log.handlers[:] = [handler]
    log.propagate = False
    try:
        _save(SECRET)
    except RuntimeError:
        log.warning("note not stored", exc_info=True)
    return stream.getvalue()


def test_the_json_log_names_every_frame_and_type_and_none_of_the_messages() -> None:
    line = _logged(JsonFormatter())
    exc = json.loads(line)["exc"]
    assert "Priya" not in line
    assert "07700" not in line
    assert "builtins.ValueError" in exc
    assert "builtins.RuntimeError" in exc
    assert "in _store" in exc
    assert "in _save" in exc
    assert exc.index("ValueError") < exc.index("RuntimeError")  # the cause first, as Python does


def test_the_text_log_is_redacted_the_same_way() -> None:
    text = _logged(TextFormatter("%(message)s"))
    assert "note not stored" in text
    assert "Priya" not in text
    assert "in _store" in text


def test_a_traceback_without_a_cause_is_one_block() -> None:
    try:
        _store(SECRET)
    except ValueError:
        trace = redacted_traceback(sys.exc_info())
    assert trace.startswith("builtins.ValueError")
    assert "raised while handling" not in trace
    assert "Priya" not in trace
