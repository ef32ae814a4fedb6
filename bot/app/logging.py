"""Structured logs with a request id; JSON when not on a terminal so a log pipeline can parse them.

Incident content and secrets never go into a log record's message at INFO: handlers log
references and ids only.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType

from handlers.log_context import request_id

_SECRET_MARKERS = ("xoxb-", "xoxp-", "xapp-")


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def redacted_traceback(exc_info: ExcInfo) -> str:
    """Where it failed (file, line, function of every frame, through each cause) and what
    was raised (the exception's type), never what it said: an exception's message can hold
    incident content (SQL parameters, what a person typed, an address Notify refused)."""
    _, error, _ = exc_info
    parts: list[str] = []
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = traceback.extract_tb(error.__traceback__)
        lines = [f"  {f.filename}:{f.lineno} in {f.name}" for f in frames]
        parts.append("\n".join([f"{type(error).__module__}.{type(error).__qualname__}", *lines]))
        error = error.__cause__ or error.__context__
    return "\nraised while handling\n".join(reversed(parts))


class JsonFormatter(logging.Formatter):
    def formatException(self, ei: ExcInfo) -> str:
        return redacted_traceback(ei)

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        for marker in _SECRET_MARKERS:
            if marker in message:
                message = message.split(marker)[0] + marker + "[redacted]"
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": message,
            "request_id": request_id.get(),
        }
        for key in ("incident", "event", "status", "path", "duration_ms"):
            if hasattr(record, key):
                payload[key] = getattr(record, key)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload)


class TextFormatter(logging.Formatter):
    def formatException(self, ei: ExcInfo) -> str:
        return redacted_traceback(ei)

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id.get()
        return super().format(record)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if sys.stderr.isatty():
        handler.setFormatter(
            TextFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    else:
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_libraries(level)


NOISY = ("slack_bolt", "slack_sdk", "aiohttp.access", "apscheduler", "sqlalchemy", "alembic")


def quiet_libraries(level: str = "INFO") -> None:
    """Library loggers print request bodies and SQL parameters (incident content): keep them at
    WARNING unless a developer asks for DEBUG explicitly."""
    for noisy in (*NOISY, "notifications_python_client"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # "skipped: maximum number of running instances reached" is the sweep finding the previous
    # pass still busy, which is by design (max_instances=1); it is not worth a warning.
    logging.getLogger("apscheduler.scheduler").setLevel(
        max(logging.ERROR, logging.getLevelName(level))
    )
