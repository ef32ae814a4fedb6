"""Read values out of Slack view submissions, whatever element produced them.

A value of the wrong type, or a date no calendar can hold, is `MalformedPayload`: Slack never
sends one, so it is a forged or broken request, answered with a 400 (see handlers.slack.errors)
rather than a crash in the listener that read it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handlers.slack.ids import INPUT_ACTION

# 9999-12-31T23:59:59Z: the last second a datetime can hold.
_LAST_TIMESTAMP = 253402300799


class MalformedPayload(ValueError):
    """A signed request from Slack that is not shaped as Slack sends it; the message names the
    field, never its content (it may be incident detail)."""


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise MalformedPayload(f"{where} is not a string")
    return value


def _option(option: Any, where: str) -> str:
    if not isinstance(option, dict):
        raise MalformedPayload(f"{where} is not an option")
    return _str(option.get("value"), f"{where}.value")


def _timestamp(stamp: Any, where: str) -> datetime:
    if isinstance(stamp, bool) or not isinstance(stamp, int | str):
        raise MalformedPayload(f"{where} is not a timestamp")
    if isinstance(stamp, str) and not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise MalformedPayload(f"{where} is not a timestamp")
    seconds = int(stamp)
    if not 0 <= seconds <= _LAST_TIMESTAMP:
        raise MalformedPayload(f"{where} is out of range")
    return datetime.fromtimestamp(seconds, UTC)


def value_of(state: dict[str, Any], block_id: str) -> Any:
    block = state.get("values", {}).get(block_id, {})
    element = block.get(INPUT_ACTION) if isinstance(block, dict) else None
    if not element:
        return None
    if not isinstance(element, dict):
        raise MalformedPayload(f"{block_id} is not a form element")
    kind = element.get("type")
    if kind in {"plain_text_input", "email_text_input", "number_input"}:
        return _str(element.get("value") or "", f"{block_id}.value")
    if kind in {"static_select", "external_select", "radio_buttons"}:
        option = element.get("selected_option")
        return _option(option, f"{block_id}.selected_option") if option else None
    if kind in {"checkboxes", "multi_static_select", "multi_external_select"}:
        options = element.get("selected_options") or []
        if not isinstance(options, list):
            raise MalformedPayload(f"{block_id}.selected_options is not a list")
        return [_option(o, f"{block_id}.selected_options") for o in options]
    if kind == "datetimepicker":
        stamp = element.get("selected_date_time")
        return _timestamp(stamp, f"{block_id}.selected_date_time") if stamp else None
    return element.get("value")


def text_of(state: dict[str, Any], block_id: str) -> str:
    value = value_of(state, block_id)
    return value if isinstance(value, str) else ""
