"""The Web API client (SlackWebClient: a non-JSON failure read as Slack's answer), counting
what Slack refuses: each refused or failed call is told to the
operators' metrics as (method, error), so MHCLG sees `ratelimited` on `chat.postMessage` or
`not_in_channel` on `conversations.invite` climbing before anyone complains.

Only Slack's own error code (a closed set) or the HTTP status is passed on, never the request.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.ports.metrics import NULL_METRICS, Metrics
from handlers.slack.webclient import SlackWebClient

SERVICE = "slack"


def error_code(exc: SlackApiError) -> str:
    """Slack's `error` field; a body that is not JSON (a 503 from a proxy) gives its status."""
    data = getattr(exc.response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, str) and error.replace("_", "").isalnum() and len(error) <= 60:
        return error
    return f"http_{getattr(exc.response, 'status_code', 0)}"


class MeteredWebClient(SlackWebClient):
    def __init__(self, *args: Any, metrics: Metrics = NULL_METRICS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        try:
            return await super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            self.metrics.api_error(SERVICE, api_method, error_code(exc))
            raise
        except Exception as exc:  # the network, after the client's own retries
            self.metrics.api_error(SERVICE, api_method, type(exc).__name__)
            raise
