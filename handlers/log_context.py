"""The request id every log record carries: set by the HTTP edges for each request they take,
read by the composition root's log formatters (`bot.app.logging`). It lives here, beside the
edges, so a handler never imports the composition root."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="-")
