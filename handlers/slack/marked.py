"""The service mode's banner on everything the bot shows in Slack.

An exercise (CIR_EXERCISE) and a fast clock (CIR_SPEED) must be plain on every screen: each
message, ephemeral answer, modal and the App Home carries one context line at the top ("EXERCISE:
a rehearsal, not a real incident · service clock 10x: 30 minutes pass in 3"), and an exercise's
notification text starts with "[EXERCISE]". It is added here, in the one Web API client every
listener, the room and the firings share, so no renderer can forget it and the renderers stay
as they are; see bot.domain.exercise for what the banner says.

The banner goes into the message's first context block (the marking line every incident message
starts with) when there is room for one more element, else into a context block of its own; a
message already at Slack's block limit gets it in its first context line only.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.domain.exercise import EXERCISE, ServiceMode
from handlers.slack.metered_client import MeteredWebClient
from handlers.slack.render.budget import (
    CONTEXT_ELEMENTS,
    MESSAGE_BLOCKS,
    SECTION_TEXT,
    VIEW_BLOCKS,
)

Block = dict[str, Any]
MESSAGES = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage"}
)
VIEWS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


def _loaded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def banner_element(banner: str) -> Block:
    return {"type": "mrkdwn", "text": f":rotating_light: *{banner}*"}


def with_banner(blocks: list[Block], banner: str, limit: int) -> list[Block]:
    """`blocks` with the banner as a line of its own on top; never over `limit` blocks."""
    element = banner_element(banner)
    first = blocks[0] if blocks else {}
    if first.get("type") == "context" and element in first.get("elements", []):
        return blocks  # already marked (a view sent back through views.update)
    if len(blocks) < limit:
        return [{"type": "context", "elements": [element]}, *blocks]
    if first.get("type") == "context" and len(first.get("elements", [])) < CONTEXT_ELEMENTS:
        return [{**first, "elements": [element, *first["elements"]]}, *blocks[1:]]
    return blocks


class MarkedWebClient(MeteredWebClient):
    """The metered Web API client that also puts the service mode's banner on every message
    and view."""

    def __init__(self, *args: Any, mode: ServiceMode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode

    async def api_call(
        self, api_method: str, *, json: dict[str, Any] | None = None, **kwargs: Any
    ) -> AsyncSlackResponse:
        if json is not None and (api_method in MESSAGES or api_method in VIEWS):
            json = self._marked(api_method, json)
        return await super().api_call(api_method, json=json, **kwargs)

    def _marked(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        banner = self.mode.banner()
        args = dict(args)
        if method in VIEWS:
            view = _loaded(args.get("view"))
            if isinstance(view, dict):
                blocks = list(view.get("blocks") or [])
                args["view"] = {**view, "blocks": with_banner(blocks, banner, VIEW_BLOCKS)}
            return args
        text = args.get("text")
        blocks = _loaded(args.get("blocks"))
        if isinstance(blocks, list) and blocks:
            args["blocks"] = with_banner(blocks, banner, MESSAGE_BLOCKS)
        elif isinstance(text, str) and text and len(text) <= SECTION_TEXT:
            # a plain message: the banner above it, the text itself as Slack would show it
            section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
            args["blocks"] = with_banner([section], banner, MESSAGE_BLOCKS)
        if self.mode.exercise and isinstance(text, str) and not text.startswith(f"[{EXERCISE}]"):
            args["text"] = f"[{EXERCISE}] {text}"  # notifications and screen readers
        return args
