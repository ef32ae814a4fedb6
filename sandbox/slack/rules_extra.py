"""Block Kit rules that slack_sdk's models do not check, found missing by a stranger's review of
the stand-in: a stand-in more lenient than Slack hides defects. Each function adds problems to
`rules._Walk` through its `add(message, pointer)`; the references are Slack's block,
element and composition-object pages (https://docs.slack.dev/reference/block-kit/...)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Add = Callable[[str, str], None]

# Text that only plain_text may fill: header text, input label and hint (header block, input
# block); a button's text; placeholders; a select's or overflow's option text.
PLAIN_ONLY_IN_BLOCK = {"header": ("text",), "input": ("label", "hint")}
PLAIN_ONLY_IN_ELEMENT = ("placeholder",)
SELECTS = {"static_select", "multi_static_select", "overflow"}
OPTION_DESCRIPTION = 75  # composition-objects/option-object: description, 75 characters
CONTEXT_ELEMENT_TEXT = 3000  # a text object's maximum, for a context block's text elements


def _plain(add: Add, node: Mapping[str, Any], key: str, pointer: str) -> None:
    value = node.get(key)
    if isinstance(value, dict) and value.get("type") != "plain_text":
        add("must be a plain_text object", f"{pointer}/{key}/type")


def _not_blank_id(add: Add, node: Mapping[str, Any], key: str, pointer: str) -> None:
    if key in node and isinstance(node[key], str) and not node[key]:
        add("must be more than 0 characters", f"{pointer}/{key}")


def block(add: Add, node: Mapping[str, Any], pointer: str) -> None:
    kind = node.get("type")
    for key in PLAIN_ONLY_IN_BLOCK.get(str(kind), ()):
        _plain(add, node, key, pointer)
    _not_blank_id(add, node, "block_id", pointer)
    elements = node.get("elements")
    if kind in ("actions", "context") and isinstance(elements, list) and not elements:
        add("must provide at least 1 items", f"{pointer}/elements")
    if kind == "context" and isinstance(elements, list):
        for j, element in enumerate(elements):
            text = element.get("text") if isinstance(element, dict) else None
            if isinstance(text, str) and len(text) > CONTEXT_ELEMENT_TEXT:
                add(f"must be less than {CONTEXT_ELEMENT_TEXT + 1} characters",
                    f"{pointer}/elements/{j}/text")  # fmt: skip


def element(add: Add, node: Mapping[str, Any], pointer: str) -> None:  # noqa: C901 (one branch per Block Kit element type, as Slack documents them)
    kind = node.get("type")
    _not_blank_id(add, node, "action_id", pointer)
    if kind == "button":
        _plain(add, node, "text", pointer)
    for key in PLAIN_ONLY_IN_ELEMENT:
        _plain(add, node, key, pointer)
    found = node.get("options")
    options: list[Any] = found if isinstance(found, list) else []
    for j, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        if kind in SELECTS:
            _plain(add, option, "text", f"{pointer}/options/{j}")
        description = option.get("description")
        text = description.get("text") if isinstance(description, dict) else None
        if isinstance(text, str) and len(text) > OPTION_DESCRIPTION:
            add(f"must be less than {OPTION_DESCRIPTION + 1} characters",
                f"{pointer}/options/{j}/description/text")  # fmt: skip
    values = {o.get("value") for o in options if isinstance(o, dict)}
    initial = node.get("initial_option")
    if isinstance(initial, dict) and options and initial.get("value") not in values:
        add("initial_option must match one of the options", f"{pointer}/initial_option")
    chosen = node.get("initial_options")
    if isinstance(chosen, list) and options:
        for j, option in enumerate(chosen):
            if isinstance(option, dict) and option.get("value") not in values:
                add("initial_options must match the options", f"{pointer}/initial_options/{j}")
    if kind == "plain_text_input":
        value, longest = node.get("initial_value"), node.get("max_length")
        if isinstance(value, str) and isinstance(longest, int) and len(value) > longest:
            add("initial_value must not be longer than max_length", f"{pointer}/initial_value")


def text(add: Add, node: Mapping[str, Any], pointer: str) -> None:
    value = node.get("text")
    if isinstance(value, str) and value and not value.strip():
        add("must be more than 0 characters", f"{pointer}/text")  # whitespace is no text


def view(add: Add, node: Mapping[str, Any], pointer: str) -> None:
    """views.* reference: a modal with an input block must have a submit button."""
    found = node.get("blocks")
    blocks: list[Any] = found if isinstance(found, list) else []
    has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
    if node.get("type") == "modal" and has_input and "submit" not in node:
        add("must provide submit when blocks include an input", f"{pointer}/submit")
