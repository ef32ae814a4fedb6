"""Writing config/councils.yml back after an import, in the layout people edit by hand.

PyYAML cannot keep comments, and the file's opening comments are its documentation, so they are
carried over as text and the councils below are written out one key per line, contacts one per
line, each value quoted only where YAML needs it. Comments between councils are not kept (the
import says how many it dropped). The result reads back to exactly the data written.
"""

from __future__ import annotations

from typing import Any

import yaml

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's, when installed: faster
ORDER = ("id", "code", "name", "type", "region", "warp", "slack_connect", "slack_team_id")


def header_of(text: str) -> str:
    """The comment and blank lines before the first key: the file's own documentation."""
    lines = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines).strip("\n")


def dropped_comments(text: str) -> int:
    """Comment lines after the header, which a rewrite cannot keep."""
    body = text.splitlines()[len(header_of(text).splitlines()) :]
    return sum(1 for line in body if line.lstrip().startswith("#"))


def _flow(value: Any) -> str:
    """One value in flow style, quoted only where needed (a phone number stays a string)."""
    text = yaml.dump(
        [value],
        Dumper=_DUMPER,
        default_flow_style=True,
        allow_unicode=True,
        sort_keys=False,
        width=1 << 20,
    )
    return text.strip()[1:-1]


def _council(entry: dict[str, Any]) -> list[str]:
    keys = [k for k in ORDER if k in entry] + [k for k in entry if k not in ORDER]
    lines = []
    for n, key in enumerate(keys):
        lead = "  - " if n == 0 else "    "
        value = entry[key]
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"{lead}{key}:")
            lines += [f"      - {_flow(v)}" for v in value]
        else:
            lines.append(f"{lead}{key}: {_flow(value)}")
    return lines


def dump_councils(header: str, councils: list[dict[str, Any]]) -> str:
    lines = [header] if header else []
    lines.append("councils:")
    for entry in councils:
        lines += _council(entry)
    return "\n".join(lines) + "\n"
