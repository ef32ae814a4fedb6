"""Each Block Kit limit, over real HTTP with the real slack_sdk client: the stand-in accepts a
payload at the limit and refuses one past it as Slack does (HTTP 200, `ok: false`, the error,
and a `response_metadata.messages` line naming the spot), so a renderer that overruns a limit
fails in the suite as it would in production."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack.api import FakeSlackApi

Payload = dict[str, Any]


def plain(text: str) -> Payload:
    return {"type": "plain_text", "text": text}


def section(n: int = 1) -> Payload:
    return {"type": "section", "text": {"type": "mrkdwn", "text": "s" * n}}


def button(i: int = 0, **extra: Any) -> Payload:
    return {"type": "button", "action_id": f"b{i}", "text": plain("Go"), **extra}


def option(text: str = "o", value: str = "v") -> Payload:
    return {"text": plain(text), "value": value}


def options(n: int) -> list[Payload]:
    return [option(value=f"v{i}") for i in range(n)]


def message(*blocks: Payload) -> Payload:
    return {"channel": "C1", "text": "fallback", "blocks": list(blocks)}


def actions(*elements: Payload) -> Payload:
    return message({"type": "actions", "elements": list(elements)})


def accessory(element: Payload) -> Payload:
    return message({**section(), "accessory": element})


def modal(*blocks: Payload, **extra: Any) -> Payload:
    view = {"type": "modal", "title": plain("Form"), "blocks": list(blocks) or [section()]}
    if any(b.get("type") == "input" for b in blocks):
        view["submit"] = plain("Send")  # Slack refuses a form with inputs and no submit
    return {"trigger_id": "1.2.3", "view": view | extra}


def text_input(**extra: Any) -> Payload:
    element = {"type": "plain_text_input", "action_id": "in", **extra}
    return {"type": "input", "block_id": "b", "label": plain("Label"), "element": element}


@dataclass(frozen=True)
class Limit:
    """A payload of size `n`: accepted at `limit`, refused at `limit + 1`."""

    name: str
    limit: int
    build: Callable[[int], Payload]
    pointer: str
    unit: str = "characters"  # or "items", or "" for a number
    method: str = "chat.postMessage"

    @property
    def line(self) -> str:
        if self.unit == "items":
            said = f"no more than {self.limit} items allowed"
        else:
            said = f"must be less than {self.limit + 1} {self.unit}".rstrip()
        return f"[ERROR] {said} [json-pointer:{self.pointer}]"

    @property
    def error(self) -> str:
        return "invalid_blocks" if self.method.startswith("chat.") else "invalid_arguments"


LIMITS = [
    # Messages: https://docs.slack.dev/reference/block-kit/blocks and each block's page.
    Limit("blocks per message", 50, lambda n: message(*[section()] * n), "/blocks", "items"),
    Limit("section text", 3000, lambda n: message(section(n)), "/blocks/0/text/text"),
    Limit(
        "section fields",
        10,
        lambda n: message({"type": "section", "fields": [plain("f")] * n}),
        "/blocks/0/fields",
        "items",
    ),
    Limit(
        "section field text",
        2000,
        lambda n: message({"type": "section", "fields": [plain("f" * n)]}),
        "/blocks/0/fields/0/text",
    ),
    Limit(
        "header text",
        150,
        lambda n: message({"type": "header", "text": plain("h" * n)}),
        "/blocks/0/text/text",
    ),
    Limit(
        "context elements",
        10,
        lambda n: message({"type": "context", "elements": [plain("c")] * n}),
        "/blocks/0/elements",
        "items",
    ),
    Limit(
        "actions elements",
        25,
        lambda n: actions(*[button(i) for i in range(n)]),
        "/blocks/0/elements",
        "items",
    ),
    Limit(
        "button text",
        75,
        lambda n: actions(button(text=plain("t" * n))),
        "/blocks/0/elements/0/text/text",
    ),
    Limit(
        "button value", 2000, lambda n: actions(button(value="v" * n)), "/blocks/0/elements/0/value"
    ),
    Limit(
        "button url",
        3000,
        lambda n: actions(button(url="https://x.example/" + "u" * (n - 18))),
        "/blocks/0/elements/0/url",
    ),
    Limit(
        "action_id",
        255,
        lambda n: actions(button() | {"action_id": "a" * n}),
        "/blocks/0/elements/0/action_id",
    ),
    Limit(
        "block_id", 255, lambda n: message(section() | {"block_id": "b" * n}), "/blocks/0/block_id"
    ),
    Limit(
        "option text",
        75,
        lambda n: accessory(
            {"type": "static_select", "action_id": "s", "options": [option("o" * n)]}
        ),
        "/blocks/0/accessory/options/0/text/text",
    ),
    Limit(
        "option value",
        150,
        lambda n: accessory(
            {"type": "static_select", "action_id": "s", "options": [option(value="v" * n)]}
        ),
        "/blocks/0/accessory/options/0/value",
    ),
    Limit(
        "static_select options",
        100,
        lambda n: accessory({"type": "static_select", "action_id": "s", "options": options(n)}),
        "/blocks/0/accessory/options",
        "items",
    ),
    Limit(
        "static_select option_groups",
        100,
        lambda n: accessory(
            {
                "type": "static_select",
                "action_id": "s",
                "option_groups": [{"label": plain("g"), "options": options(1)}] * n,
            }
        ),
        "/blocks/0/accessory/option_groups",
        "items",
    ),
    Limit(
        "checkboxes options",
        10,
        lambda n: actions({"type": "checkboxes", "action_id": "c", "options": options(n)}),
        "/blocks/0/elements/0/options",
        "items",
    ),
    Limit(
        "radio_buttons options",
        10,
        lambda n: actions({"type": "radio_buttons", "action_id": "r", "options": options(n)}),
        "/blocks/0/elements/0/options",
        "items",
    ),
    Limit(
        "overflow options",
        5,
        lambda n: accessory({"type": "overflow", "action_id": "o", "options": options(n)}),
        "/blocks/0/accessory/options",
        "items",
    ),
    Limit(
        "image alt_text",
        2000,
        lambda n: message(
            {"type": "image", "image_url": "https://x.example/a.png", "alt_text": "a" * n}
        ),
        "/blocks/0/alt_text",
    ),
    # Views: https://docs.slack.dev/reference/views and the input block's elements.
    Limit(
        "blocks per modal",
        100,
        lambda n: modal(*[section()] * n),
        "/view/blocks",
        "items",
        "views.open",
    ),
    Limit(
        "blocks per Home tab",
        100,
        lambda n: {"user_id": "U1", "view": {"type": "home", "blocks": [section()] * n}},
        "/view/blocks",
        "items",
        "views.publish",
    ),
    Limit(
        "modal title",
        24,
        lambda n: modal(title=plain("t" * n)),
        "/view/title/text",
        method="views.open",
    ),
    Limit(
        "modal submit",
        24,
        lambda n: modal(submit=plain("s" * n)),
        "/view/submit/text",
        method="views.open",
    ),
    Limit(
        "modal close",
        24,
        lambda n: modal(close=plain("c" * n)),
        "/view/close/text",
        method="views.open",
    ),
    Limit(
        "private_metadata",
        3000,
        lambda n: modal(private_metadata="p" * n),
        "/view/private_metadata",
        method="views.open",
    ),
    Limit(
        "callback_id",
        255,
        lambda n: modal(callback_id="c" * n),
        "/view/callback_id",
        method="views.open",
    ),
    Limit(
        "input label",
        2000,
        lambda n: modal(text_input() | {"label": plain("l" * n)}),
        "/view/blocks/0/label/text",
        method="views.open",
    ),
    Limit(
        "input hint",
        2000,
        lambda n: modal(text_input() | {"hint": plain("h" * n)}),
        "/view/blocks/0/hint/text",
        method="views.open",
    ),
    Limit(
        "placeholder",
        150,
        lambda n: modal(text_input(placeholder=plain("p" * n))),
        "/view/blocks/0/element/placeholder/text",
        method="views.open",
    ),
    Limit(
        "plain_text_input max_length",
        3000,
        lambda n: modal(text_input(max_length=n)),
        "/view/blocks/0/element/max_length",
        "",
        "views.open",
    ),
    Limit(
        "plain_text_input min_length",
        3000,
        lambda n: modal(text_input(min_length=n)),
        "/view/blocks/0/element/min_length",
        "",
        "views.open",
    ),
]


async def call(client: AsyncWebClient, method: str, payload: Payload) -> Any:
    return await getattr(client, method.replace(".", "_"))(**payload)


@pytest.mark.parametrize("rule", LIMITS, ids=[rule.name for rule in LIMITS])
async def test_limit_is_accepted_and_one_past_it_refused_as_slack_answers(
    slack: FakeSlackApi, client: AsyncWebClient, rule: Limit
) -> None:
    assert (await call(client, rule.method, rule.build(rule.limit)))["ok"] is True
    with pytest.raises(SlackApiError) as refused:
        await call(client, rule.method, rule.build(rule.limit + 1))
    answer = refused.value.response
    assert answer.status_code == 200
    assert (answer["ok"], answer["error"]) == (False, rule.error)
    assert rule.line in answer["response_metadata"]["messages"]
    if rule.error == "invalid_blocks":  # Slack repeats the lines, unprefixed, in `errors`
        assert rule.line.removeprefix("[ERROR] ") in answer["errors"]
    assert len(slack.messages()) == (1 if rule.method == "chat.postMessage" else 0)


async def test_message_text_over_40000_is_msg_too_long(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="C1", text="t" * 40_000)
    await client.chat_update(channel="C1", ts=posted["ts"], text="u" * 40_000)
    with pytest.raises(SlackApiError) as refused:
        await client.chat_update(channel="C1", ts=posted["ts"], text="t" * 40_001)
    assert refused.value.response.data == {"ok": False, "error": "msg_too_long"}
    with pytest.raises(SlackApiError, match="msg_too_long"):
        await client.chat_postMessage(channel="C1", text="t" * 40_001)
    assert len(slack.messages()) == 1
