"""The Block Kit rules slack_sdk does not check, each refused as Slack refuses it and its valid
form accepted (checked without a server: the stand-in answers with the same problems)."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.slack.rules import check_message, check_view


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def button(text: dict[str, Any], action_id: str = "a") -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": text, "value": "v"}


def select(options: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "s", "options": options, **more}


def option(text: dict[str, Any], value: str = "v", **more: Any) -> dict[str, Any]:
    return {"text": text, "value": value, **more}


def text_input(**more: Any) -> dict[str, Any]:
    element = {"type": "plain_text_input", "action_id": "in", **more}
    return {"type": "input", "block_id": "b", "label": plain("Label"), "element": element}


D75, D76 = "d" * 75, "d" * 76
MESSAGES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]], str]] = {
    # rule: (refused blocks, accepted blocks, the problem's pointer)
    "header is plain text": (
        [{"type": "header", "text": mrkdwn("*x*")}],
        [{"type": "header", "text": plain("x")}],
        "/blocks/0/text/type",
    ),
    "button text is plain text": (
        [{"type": "actions", "elements": [button(mrkdwn("go"))]}],
        [{"type": "actions", "elements": [button(plain("go"))]}],
        "/blocks/0/elements/0/text/type",
    ),
    "an actions block has elements": (
        [{"type": "actions", "elements": []}],
        [{"type": "actions", "elements": [button(plain("go"))]}],
        "/blocks/0/elements",
    ),
    "an empty action_id": (
        [{"type": "actions", "elements": [button(plain("go"), action_id="")]}],
        [{"type": "actions", "elements": [button(plain("go"), action_id="a")]}],
        "/blocks/0/elements/0/action_id",
    ),
    "whitespace is no text": (
        [{"type": "section", "text": mrkdwn("   \n ")}],
        [{"type": "section", "text": mrkdwn(" x ")}],
        "/blocks/0/text/text",
    ),
    "a select's option text is plain": (
        [{"type": "actions", "elements": [select([option(mrkdwn("*a*"))])]}],
        [{"type": "actions", "elements": [select([option(plain("a"))])]}],
        "/blocks/0/elements/0/options/0/text/type",
    ),
    "option description 75": (
        [{"type": "actions", "elements": [select([option(plain("a"), description=plain(D76))])]}],
        [{"type": "actions", "elements": [select([option(plain("a"), description=plain(D75))])]}],
        "/blocks/0/elements/0/options/0/description/text",
    ),
    "initial option among the options": (
        [{"type": "actions", "elements": [
            select([option(plain("a"), "a")], initial_option=option(plain("b"), "b"))]}],
        [{"type": "actions", "elements": [
            select([option(plain("a"), "a")], initial_option=option(plain("a"), "a"))]}],
        "/blocks/0/elements/0/initial_option",
    ),
    "context element text 3000": (
        [{"type": "context", "elements": [mrkdwn("c" * 3001)]}],
        [{"type": "context", "elements": [mrkdwn("c" * 3000)]}],
        "/blocks/0/elements/0/text",
    ),
}  # fmt: skip


@pytest.mark.parametrize("rule", MESSAGES, ids=list(MESSAGES))
def test_a_message_rule_refuses_and_accepts(rule: str) -> None:
    refused, accepted, pointer = MESSAGES[rule]
    problems = check_message({"channel": "C1", "text": "t", "blocks": refused})
    assert [p.error for p in problems][:1] == ["invalid_blocks"]
    assert pointer in [p.pointer for p in problems], problems
    assert check_message({"channel": "C1", "text": "t", "blocks": accepted}) == []


def test_a_form_with_inputs_needs_a_submit_button() -> None:
    view = {"type": "modal", "title": plain("Form"), "blocks": [text_input()]}
    [problem] = check_view(view)
    assert (problem.error, problem.pointer) == ("invalid_arguments", "/view/submit")
    assert check_view(view | {"submit": plain("Send")}) == []


def test_an_initial_value_longer_than_max_length_is_refused() -> None:
    long = {"type": "modal", "title": plain("F"), "submit": plain("S"),
            "blocks": [text_input(max_length=5, initial_value="123456")]}  # fmt: skip
    assert [p.pointer for p in check_view(long)] == ["/view/blocks/0/element/initial_value"]
    fits = {**long, "blocks": [text_input(max_length=5, initial_value="12345")]}
    assert check_view(fits) == []


def test_input_labels_and_hints_are_plain_text() -> None:
    block = text_input() | {"label": mrkdwn("*L*"), "hint": mrkdwn("h")}
    view = {"type": "modal", "title": plain("F"), "submit": plain("S"), "blocks": [block]}
    pointers = {p.pointer for p in check_view(view)}
    assert {"/view/blocks/0/label/type", "/view/blocks/0/hint/type"} <= pointers
