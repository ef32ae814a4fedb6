"""What Slack's Web API refuses, as pure functions, so the stand-in answers as Slack does and a
renderer test can check every message and view the bot builds without a server.

    problems = check_message({"text": fallback, "blocks": blocks})   # [] = Slack accepts it
    problems = check_view(view)                                      # a modal or a Home tab
    require_accepted(problems)                # raises SlackRefusal listing them

Each `Problem` is one line of Slack's answer: `problem.line` reads as Slack writes it in
`response_metadata.messages` (`[ERROR] must be less than 3001 characters
[json-pointer:/blocks/2/text/text]`), and `slack_answer(problems)` is the whole body Slack sends
(HTTP 200, `ok: false`). Messages answer `invalid_blocks`; views answer `invalid_arguments`.

Block Kit limits that slack_sdk's models already validate (`validate_json` validators on each
block, element and composition object, and on `View`) are taken from them: each node is parsed
with its model and every validator is run, so all problems are listed, each with its pointer.
The limits the models lack are checked here, each citing Slack's reference.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block, BlockElement, ConfirmObject, Option, OptionGroup
from slack_sdk.models.blocks.basic_components import TextObject
from slack_sdk.models.views import View

from sandbox.slack import rules_extra as extra

INVALID_BLOCKS, INVALID_ARGUMENTS = "invalid_blocks", "invalid_arguments"
MESSAGE_METHODS = {"chat.postMessage", "chat.update", "chat.postEphemeral"}
VIEW_METHODS = {"views.open", "views.push", "views.update", "views.publish"}
VIEW_KINDS = {"modal", "home"}
TEXT_TYPES = {"plain_text", "mrkdwn"}

# https://docs.slack.dev/reference/block-kit/blocks: up to 50 blocks in a message (a view's 100
# is checked by slack_sdk's View).
MESSAGE_BLOCKS = 50
# https://docs.slack.dev/reference/methods/chat.postMessage: text over 40,000 characters is
# `msg_too_long`.
MESSAGE_TEXT = 40_000
# https://docs.slack.dev/reference/block-kit/blocks/section-block: each field's text, 2000.
FIELD_TEXT = 2000
# https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element and
# .../radio-button-group-element: at most 10 options.
CHOICE_OPTIONS = 10
# https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element:
# min_length and max_length at most 3000.
INPUT_LENGTH = 3000

_METHODS_FILE = Path(__file__).with_name("methods.json")


@dataclass(frozen=True)
class Problem:
    """One reason Slack refuses a call: the `error` it answers and the line naming the spot."""

    error: str
    message: str
    pointer: str = ""

    @property
    def line(self) -> str:
        at = f" [json-pointer:{self.pointer}]" if self.pointer else ""
        return f"[ERROR] {self.message}{at}"

    def __str__(self) -> str:
        return f"{self.error}: {self.line}"


class SlackRefusal(AssertionError):
    """Raised by `require_accepted`: the payload is one Slack would refuse."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("Slack would refuse this:\n" + "\n".join(map(str, problems)))


def require_accepted(problems: list[Problem]) -> None:
    if problems:
        raise SlackRefusal(problems)


def slack_answer(problems: list[Problem]) -> dict[str, Any]:
    """The JSON body Slack answers for these problems (with HTTP 200). The first problem's error
    is the one answered, with the lines of every problem of that error, as Slack lists them all:
    `invalid_blocks` carries them in `errors` and in `response_metadata.messages`,
    `invalid_arguments` in `response_metadata.messages`, other errors carry none."""
    error = problems[0].error
    lines = [p.line for p in problems if p.error == error]
    answer: dict[str, Any] = {"ok": False, "error": error}
    if error == INVALID_BLOCKS:
        answer["errors"] = [line.removeprefix("[ERROR] ") for line in lines]
    if error in (INVALID_BLOCKS, INVALID_ARGUMENTS):
        answer["response_metadata"] = {"messages": lines}
    return answer


# --- Web API methods and arguments ---------------------------------------------------------


@functools.cache
def known_methods() -> dict[str, frozenset[str]]:
    """Method name -> argument names, from methods.json (see gen_methods.py)."""
    listed = json.loads(_METHODS_FILE.read_text())
    return {name: frozenset(args) for name, args in listed.items()}


def check_method(method: str, args: Mapping[str, Any]) -> list[Problem]:
    """`unknown_method` for a method Slack does not have; `invalid_arguments` naming each
    argument the method does not take (a misspelt argument is otherwise silently ignored)."""
    known = known_methods().get(method)
    if known is None:
        return [Problem("unknown_method", f"unknown method: {method}")]
    unknown = sorted(set(args) - known)
    return [Problem(INVALID_ARGUMENTS, f"unknown argument: {name}", f"/{name}") for name in unknown]


def check_call(method: str, args: Mapping[str, Any]) -> list[Problem]:
    """Everything Slack checks of one call's arguments, before it looks at any channel."""
    problems = check_method(method, args)
    if problems:
        return problems
    if method in MESSAGE_METHODS:
        return check_message(args)
    if method in VIEW_METHODS:
        if "view" not in args:
            return [Problem(INVALID_ARGUMENTS, "missing required field: view")]
        return check_view(args["view"])
    if method == "files.completeUploadExternal":
        # The comment is posted as a message: held to a message's text limit.
        comment = args.get("initial_comment")
        if isinstance(comment, str) and len(comment) > MESSAGE_TEXT:
            return [Problem("msg_too_long", _too_long(MESSAGE_TEXT), "/initial_comment")]
        if args.get("blocks") is not None:
            return check_blocks(args["blocks"])
    return []


# --- messages and views --------------------------------------------------------------------


def check_message(args: Mapping[str, Any]) -> list[Problem]:
    """chat.postMessage / chat.update / chat.postEphemeral arguments (`text`, `blocks`,
    `attachments`; blocks as a list or as the JSON string a form carries)."""
    text, blocks = args.get("text"), args.get("blocks")
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return [Problem("invalid_blocks_format", "blocks is not a JSON array", "/blocks")]
    if not (text or blocks or args.get("attachments")):
        return [Problem("no_text", "no text, blocks or attachments")]
    problems: list[Problem] = []
    if isinstance(text, str) and len(text) > MESSAGE_TEXT:
        problems.append(Problem("msg_too_long", _too_long(MESSAGE_TEXT), "/text"))
    if blocks is not None:
        problems.extend(check_blocks(blocks))
    return problems


def check_blocks(blocks: Any, pointer: str = "/blocks") -> list[Problem]:
    """A message's blocks array: Slack answers `invalid_blocks`."""
    walk = _Walk(INVALID_BLOCKS)
    if not isinstance(blocks, list):
        walk.add("must be an array", pointer)
        return walk.problems
    if len(blocks) > MESSAGE_BLOCKS:
        walk.add(f"no more than {MESSAGE_BLOCKS} items allowed", pointer)
    walk.blocks(blocks, pointer)
    return walk.problems


def check_view(view: Any, pointer: str = "/view") -> list[Problem]:
    """A modal or a Home tab as views.open/push/update/publish take it: Slack answers
    `invalid_arguments` with a line per problem."""
    walk = _Walk(INVALID_ARGUMENTS)
    if not isinstance(view, dict):
        walk.add("must be an object", pointer)
        return walk.problems
    if view.get("type") not in VIEW_KINDS:
        walk.add(f"unsupported type: {view.get('type')}", f"{pointer}/type")
        return walk.problems
    if view["type"] == "modal" and "title" not in view:
        walk.add("missing required field: title", pointer)
    model = walk.model(lambda: View(**view), view, pointer)
    if model is not None:
        walk.sdk(model, view, pointer)  # title/submit/close 24, private_metadata 3000, ...
    walk.texts(view, pointer)
    extra.view(walk.add, view, pointer)
    if isinstance(view.get("blocks"), list):
        walk.blocks(view["blocks"], f"{pointer}/blocks")
    return walk.problems


def _too_long(limit: int) -> str:
    return f"must be less than {limit + 1} characters"  # Slack's wording for a maxLength


# slack_sdk validator messages, translated to Slack's wording and the offending attribute.
_SDK_TOO_LONG = re.compile(r"^(\w+)(?: attribute)? cannot exceed (\d+) characters$")
_SDK_TOO_MANY = re.compile(r"^(\w+)(?: attribute)? cannot exceed (\d+) (?:items|elements|blocks)$")
_SDK_BETWEEN = re.compile(
    r"^(\w+)(?: attribute)? must (?:have|contain|be) between (\d+) and (\d+)"
    r" (?:characters|items|blocks)$"
)
_SDK_EMPTY = re.compile(r"^(\w+) attribute must have at least 1 character$")
_MISSING_ARG = re.compile(r"missing \d+ required keyword-only argument: '(\w+)'")


class _Walk:
    """One pass over a blocks array or a view, collecting problems with their pointers."""

    def __init__(self, error: str) -> None:
        self.error = error
        self.problems: list[Problem] = []
        self.block_ids: dict[str, str] = {}

    def add(self, message: str, pointer: str) -> None:
        problem = Problem(self.error, message, pointer)
        if problem not in self.problems:  # a model and a rule here may see the same thing
            self.problems.append(problem)

    def model(
        self, build: Callable[[], JsonObject | None], node: Mapping[str, Any], pointer: str
    ) -> JsonObject | None:
        """Parse a node with its slack_sdk model; a node it cannot parse is a problem."""
        try:
            built = build()
        except TypeError as exc:
            missing = _MISSING_ARG.search(str(exc))
            self.add(f"missing required field: {missing[1]}" if missing else str(exc), pointer)
            return None
        except (SlackObjectFormationError, ValueError, KeyError, AttributeError) as exc:
            self.add(str(exc), pointer)
            return None
        if built is None:
            self.add(f"unsupported type: {node.get('type')}", f"{pointer}/type")
        return built

    def sdk(self, model: JsonObject, node: Mapping[str, Any], pointer: str) -> None:
        """Run every slack_sdk validator of `model` (validate_json stops at the first)."""
        for name in sorted(dir(type(model))):
            check = getattr(model, name, None)
            if not (callable(check) and hasattr(check, "validator")):
                continue
            try:
                check()
            except SlackObjectFormationError as exc:
                self.add(*self._translate(str(exc), node, pointer))
            except (TypeError, AttributeError):
                continue  # the validator tripped on a missing field, reported elsewhere

    def _translate(self, said: str, node: Mapping[str, Any], pointer: str) -> tuple[str, str]:
        if m := _SDK_TOO_LONG.match(said):
            return _too_long(int(m[2])), self._at(node, pointer, m[1])
        if m := _SDK_TOO_MANY.match(said):
            return f"no more than {m[2]} items allowed", f"{pointer}/{m[1]}"
        if m := _SDK_BETWEEN.match(said):  # a view's title or blocks, an overflow's options
            attr = "blocks" if m[1] == "views" else m[1]
            value, at = node.get(attr), self._at(node, pointer, attr)
            counted = value.get("text", "") if isinstance(value, dict) else value
            counted = [] if counted is None else counted
            chars, limit = isinstance(counted, str), int(m[3])
            if len(counted) <= limit:  # too short: Slack's wording for a minLength / minItems
                return (
                    "must be more than 0 characters" if chars else "must provide at least 1 items"
                ), at
            return _too_long(limit) if chars else f"no more than {limit} items allowed", at
        if m := _SDK_EMPTY.match(said):
            return "must be more than 0 characters", f"{pointer}/{m[1]}"
        return said, pointer

    @staticmethod
    def _at(node: Mapping[str, Any], pointer: str, attr: str) -> str:
        inner = "/text" if isinstance(node.get(attr), dict) else ""  # a text object's text
        return f"{pointer}/{attr}{inner}"

    def texts(self, node: Mapping[str, Any], pointer: str) -> None:
        """Every text object directly inside `node` (an empty text is refused)."""
        for key, value in node.items():
            if isinstance(value, dict) and value.get("type") in TEXT_TYPES:
                self.text(value, f"{pointer}/{key}")

    def text(self, node: Any, pointer: str) -> None:
        if not isinstance(node, dict):
            self.add("must be an object", pointer)
            return
        model = self.model(lambda: TextObject.parse(node), node, pointer)
        if model is not None:
            self.sdk(model, node, pointer)
        # https://docs.slack.dev/reference/block-kit/composition-objects/text-object: text is
        # required, at least 1 character.
        if node.get("text") == "":
            self.add("must be more than 0 characters", f"{pointer}/text")
        extra.text(self.add, node, pointer)

    def blocks(self, blocks: list[Any], pointer: str) -> None:
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}")

    def block(self, block: Any, pointer: str) -> None:
        if not isinstance(block, dict):
            self.add("must be an object", pointer)
            return
        model = self.model(lambda: Block.parse(block), block, pointer)
        if model is None:
            return
        self.sdk(model, block, pointer)  # block_id 255, section text 3000, fields 10, ...
        extra.block(self.add, block, pointer)
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            # https://docs.slack.dev/reference/block-kit/blocks: block_id unique in a message
            # or view. (Slack's exact wording for this line was not found; the rule is.)
            if block_id in self.block_ids:
                self.add(f"duplicate block_id: {block_id}", f"{pointer}/block_id")
            self.block_ids.setdefault(block_id, pointer)
        self.texts(block, pointer)
        for j, field in enumerate(block.get("fields") or []):
            self.text(field, f"{pointer}/fields/{j}")
            text = field.get("text") if isinstance(field, dict) else None
            if isinstance(text, str) and len(text) > FIELD_TEXT:
                self.add(_too_long(FIELD_TEXT), f"{pointer}/fields/{j}/text")
        action_ids: set[str] = set()
        if isinstance(block.get("accessory"), dict):
            self.element(block["accessory"], f"{pointer}/accessory", action_ids)
        if isinstance(block.get("element"), dict):
            self.element(block["element"], f"{pointer}/element", action_ids)
        if block.get("type") in ("actions", "context"):
            for j, element in enumerate(block.get("elements") or []):
                if isinstance(element, dict) and element.get("type") in TEXT_TYPES:
                    self.text(element, f"{pointer}/elements/{j}")
                else:
                    self.element(element, f"{pointer}/elements/{j}", action_ids)

    def element(self, element: Any, pointer: str, action_ids: set[str]) -> None:  # noqa: C901 (one branch per Block Kit element type, as Slack documents them)
        if not isinstance(element, dict):
            self.add("must be an object", pointer)
            return
        model = self.model(lambda: BlockElement.parse(element), element, pointer)
        if model is None:
            return
        self.sdk(model, element, pointer)  # button text 75 / value 2000 / url 3000, ...
        extra.element(self.add, element, pointer)
        action_id = element.get("action_id")
        if isinstance(action_id, str):
            # https://docs.slack.dev/reference/block-kit/block-elements: action_id unique among
            # the block's elements. (Slack's exact wording for this line was not found.)
            if action_id in action_ids:
                self.add(f"duplicate action_id: {action_id}", f"{pointer}/action_id")
            action_ids.add(action_id)
        self.texts(element, pointer)
        options = element.get("options")
        if element.get("type") in ("checkboxes", "radio_buttons") and isinstance(options, list):
            if len(options) > CHOICE_OPTIONS:
                self.add(f"no more than {CHOICE_OPTIONS} items allowed", f"{pointer}/options")
        if element.get("type") == "plain_text_input":
            for key in ("min_length", "max_length"):
                value = element.get(key)
                if isinstance(value, int) and value > INPUT_LENGTH:
                    self.add(f"must be less than {INPUT_LENGTH + 1}", f"{pointer}/{key}")
        for j, option in enumerate(options if isinstance(options, list) else []):
            self.composition(Option, option, f"{pointer}/options/{j}")
        groups = element.get("option_groups")
        for j, group in enumerate(groups if isinstance(groups, list) else []):
            self.composition(OptionGroup, group, f"{pointer}/option_groups/{j}")
            inner = group.get("options") if isinstance(group, dict) else None
            for k, option in enumerate(inner if isinstance(inner, list) else []):
                self.composition(Option, option, f"{pointer}/option_groups/{j}/options/{k}")
        if element.get("confirm") is not None:
            self.composition(ConfirmObject, element["confirm"], f"{pointer}/confirm")

    def composition(self, kind: type[JsonObject], node: Any, pointer: str) -> None:
        """An option (text 75, value 150), option group (label 75, options 100) or confirm."""
        if not isinstance(node, dict):
            self.add("must be an object", pointer)
            return
        model = self.model(lambda: kind(**node), node, pointer)
        if model is not None:
            self.sdk(model, node, pointer)
            self.texts(node, pointer)
