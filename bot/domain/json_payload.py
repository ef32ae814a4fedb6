"""Typed payloads stored as JSON objects: a frozen dataclass one way, the stored dict the other.

Timeline events (bot.domain.events) and deadline rows (bot.domain.deadline_payloads) both keep
a JSON payload. Their classes derive from `JsonPayload`, so a writer builds the payload with
keyword arguments (a misspelt or missing key is a type error) and a reader gets typed fields
back. `data()` is exactly what the untyped code stored: keys in field order, tuples as lists,
and fields marked `omitted_if_none()` left out when None. `from_data()` reads tolerantly, as
the readers always did: a field a stored payload lacks reads as None when the field allows
None, else as its type's empty value ("", 0, False, (), {}); keys it does not know are ignored.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self, Union, get_args, get_origin, get_type_hints

_OMIT_IF_NONE = "omit_if_none"


def omitted_if_none() -> Any:
    """A field the stored JSON leaves out when it is None, as the writers of the day did."""
    return field(default=None, metadata={_OMIT_IF_NONE: True})


@dataclass(frozen=True, kw_only=True)
class JsonPayload:
    def data(self) -> dict[str, Any]:
        """The JSON object as stored, keys in the order the writers used."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.metadata.get(_OMIT_IF_NONE):
                continue
            out[f.name] = _to_json(value)
        return out

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        hints = _hints(cls)
        values = {
            f.name: _from_json(data[f.name], hints[f.name])
            if f.name in data
            else _absent(hints[f.name])
            for f in fields(cls)
        }
        return cls(**values)


_HINTS: dict[type[JsonPayload], dict[str, Any]] = {}


def _hints(cls: type[JsonPayload]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def _from_json(value: Any, hint: Any) -> Any:
    if get_origin(hint) is tuple and isinstance(value, list):
        return tuple(value)
    return value


_EMPTY: dict[Any, Any] = {str: "", int: 0, float: 0.0, bool: False}


def _absent(hint: Any) -> Any:
    """What a field a stored payload lacks reads as."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType) and type(None) in get_args(hint):
        return None
    if origin is tuple:
        return ()
    if origin in (dict, Mapping):
        return {}
    return _EMPTY.get(hint)
