"""How the stand-in answers and reads: Slack's error shape, its form-encoded arguments, and the
text a person would read in a message."""

from __future__ import annotations

import json
from typing import Any

Answer = dict[str, Any]


def error(code: str, **extra: Any) -> Answer:
    return {"ok": False, "error": code, **extra}


def truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


def decoded(value: Any) -> Any:
    """Form data carries blocks and views as JSON strings; tests want to inspect objects."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def message_text(args: dict[str, Any]) -> str:
    """Everything a person would read in a message: its text plus every text inside its blocks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    if isinstance(args.get("text"), str):
        found.append(args["text"])
    walk(args.get("blocks") or [])
    walk(args.get("attachments") or [])
    return "\n".join(found)
