"""Read values out of Slack view submissions, whatever element produced them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from handlers.slack.ids import INPUT_ACTION


def value_of(state: dict[str, Any], block_id: str) -> Any:
    element = state.get("values", {}).get(block_id, {}).get(INPUT_ACTION)
    if not element:
        return None
    kind = element.get("type")
    if kind in {"plain_text_input", "email_text_input", "number_input"}:
        return element.get("value") or ""
    if kind in {"static_select", "external_select", "radio_buttons"}:
        option = element.get("selected_option")
        return option.get("value") if option else None
    if kind in {"checkboxes", "multi_static_select", "multi_external_select"}:
        return [o["value"] for o in element.get("selected_options") or []]
    if kind == "datetimepicker":
        stamp = element.get("selected_date_time")
        return datetime.fromtimestamp(int(stamp), UTC) if stamp else None
    return element.get("value")


def text_of(state: dict[str, Any], block_id: str) -> str:
    value = value_of(state, block_id)
    return value if isinstance(value, str) else ""
