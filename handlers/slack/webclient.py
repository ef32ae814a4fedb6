"""The Web API client, made to report a non-JSON failure as Slack's answer.

slack_sdk reads a `text/plain` answer (a load balancer's "503 upstream connect error", as Slack
serves during an outage) into a string, then validates it with `.get("ok")` and raises
AttributeError: the timeline named "unexpected AttributeError" instead of "Slack answered 503".
Here a text answer to an API method with any status but 200 becomes an empty answer, which the
client's own validation turns into SlackApiError with the HTTP status, as for an HTML page. A
200 text answer (a file upload's "OK") is left as it is.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient


class SlackWebClient(AsyncWebClient):
    async def _request(
        self, *, http_verb: str, api_url: str, req_args: dict[str, Any]
    ) -> dict[str, Any]:
        answer: dict[str, Any] = await super()._request(
            http_verb=http_verb, api_url=api_url, req_args=req_args
        )
        if isinstance(answer.get("data"), str) and answer.get("status_code") != 200:
            return {**answer, "data": {}}
        return answer
