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
from typing import Any, Self, TypeVar, Union, get_args, get_origin, get_type_hints

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
        payload = object.__new__(cls)
        values = payload.__dict__  # what __init__ would set, without its per-field setattr
        for name, as_tuple, absent in _plan(cls):
            if name in data:
                value = data[name]
                values[name] = tuple(value) if as_tuple and isinstance(value, list) else value
            else:
                values[name] = absent() if callable(absent) else absent
        return payload


# Per class, once: each field's name, whether a stored list becomes a tuple, and what it reads
# as when missing (a factory for a mutable empty value). Reports read thousands of events.
_Plan = tuple[tuple[str, bool, Any], ...]
_PLANS: dict[type[JsonPayload], _Plan] = {}


def _plan(cls: type[JsonPayload]) -> _Plan:
    if cls not in _PLANS:
        hints = get_type_hints(cls)
        _PLANS[cls] = tuple(
            (f.name, get_origin(hints[f.name]) is tuple, _absent(hints[f.name]))
            for f in fields(cls)
        )
    return _PLANS[cls]


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
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
        return dict  # a fresh {} each time
    return _EMPTY.get(hint)


P = TypeVar("P")


def catalogue(base: type[P]) -> dict[Any, type[P]]:
    """Every subclass of `base` by its `kind`, at any depth: the one payload class per kind that
    writers and readers share. Two classes claiming one kind is a mistake caught at import."""
    found: dict[Any, type[P]] = {}
    todo: list[type[P]] = list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        kind = getattr(cls, "kind")  # noqa: B009 (every payload class names its kind)
        if kind in found:
            raise TypeError(f"{kind} has two payloads: {found[kind]} and {cls}")
        found[kind] = cls
    return found
