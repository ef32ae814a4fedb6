"""The council register from the official list: read a CSV (code, name, type, region), check it,
and merge it into the councils already configured without losing what operators added.

The official register says which councils exist and where; operators add what only they know
(out-of-band contacts, the WARP, whether Slack Connect works, the council's Slack team). So a
re-import updates the register's four facts and keeps every other key as it was. Ids stay
stable because incidents, channels and reports refer to them: a council is matched by its code,
else by its id, else by its name with the usual words ("City Council", "London Borough of")
taken off. Councils the CSV does not list are kept and reported, never dropped: past incidents
name them.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Region(StrEnum):
    """England's nine regions, as the ONS names them."""

    NORTH_EAST = "North East"
    NORTH_WEST = "North West"
    YORKSHIRE = "Yorkshire and the Humber"
    EAST_MIDLANDS = "East Midlands"
    WEST_MIDLANDS = "West Midlands"
    EAST = "East of England"
    LONDON = "London"
    SOUTH_EAST = "South East"
    SOUTH_WEST = "South West"


class CouncilType(StrEnum):
    UNITARY = "Unitary authority"
    LONDON_BOROUGH = "London borough"
    METROPOLITAN_DISTRICT = "Metropolitan district"
    DISTRICT = "Non-metropolitan district"
    COUNTY = "County council"


# Other spellings seen in published lists, mapped to one name each.
REGION_ALIASES = {"east": Region.EAST, "yorkshire and humber": Region.YORKSHIRE}
TYPE_ALIASES = {
    "unitary": CouncilType.UNITARY,
    "unitary authority": CouncilType.UNITARY,
    "london borough": CouncilType.LONDON_BOROUGH,
    "metropolitan borough": CouncilType.METROPOLITAN_DISTRICT,
    "metropolitan district": CouncilType.METROPOLITAN_DISTRICT,
    "district": CouncilType.DISTRICT,
    "non-metropolitan district": CouncilType.DISTRICT,
    "shire district": CouncilType.DISTRICT,
    "county": CouncilType.COUNTY,
    "county council": CouncilType.COUNTY,
}
CODE = re.compile(r"^E\d{8}$")  # ONS local authority codes in England: E06000001
# The ONS code's first three characters say the kind of authority: a row whose type disagrees
# has probably had its columns shifted, so it is pointed out (the import still goes ahead).
CODE_TYPES = {
    "E06": CouncilType.UNITARY,
    "E07": CouncilType.DISTRICT,
    "E08": CouncilType.METROPOLITAN_DISTRICT,
    "E09": CouncilType.LONDON_BOROUGH,
    "E10": CouncilType.COUNTY,
}
COLUMNS = ("code", "name", "type", "region")
REGISTER_KEYS = ("id", "code", "name", "type", "region")
# Words that name the kind of council rather than the place: taken off to match names and ids
# ("Kent County Council", "London Borough of Hackney", "Bristol, City of").
_AFFIXES = re.compile(
    r"^(london borough of|royal borough of)\s+"
    r"|\s+(metropolitan borough|metropolitan district|borough|city|county|district)?\s*council$"
    r"|,\s*(city|county) of$"
)


def region_of(text: str) -> Region | None:
    key = " ".join(text.split()).lower()
    return next((r for r in Region if r.value.lower() == key), None) or REGION_ALIASES.get(key)


def type_of(text: str) -> CouncilType | None:
    return TYPE_ALIASES.get(" ".join(text.split()).lower())


def place(name: str) -> str:
    """'London Borough of Hackney', 'Bristol, City of' and 'Hackney' all give 'hackney'."""
    text = " ".join(name.lower().replace("&", " and ").split())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", _AFFIXES.sub("", text)).split())


def slug(name: str) -> str:
    return place(name).replace(" ", "-")[:60].strip("-") or "council"


@dataclass(frozen=True)
class Problem:
    line: int  # in the CSV (1 is the header); 0 for the file as a whole
    message: str
    error: bool  # an error stops the import; a warning is reported and the import goes on

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{'error' if self.error else 'warning'}: {where}{self.message}"


@dataclass(frozen=True)
class RegisterRow:
    line: int
    code: str
    name: str
    type: CouncilType
    region: Region


def read_register(text: str) -> tuple[list[RegisterRow], list[Problem]]:
    """Every problem in the CSV at once, by line, so one pass over the file fixes them all."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {(h or "").strip().lower(): h for h in reader.fieldnames or ()}
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        found = ", ".join(h for h in header if h) or "nothing"
        return [], [Problem(1, f"no column {', '.join(missing)} (found: {found})", True)]
    rows: list[RegisterRow] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        cell = {c: (raw.get(header[c]) or "").strip() for c in COLUMNS}
        if not any(cell.values()):
            continue
        bad = [f"{c} is empty" for c in COLUMNS if not cell[c]]
        if cell["code"] and not CODE.match(cell["code"]):
            bad.append(f"code {cell['code']!r} is not an ONS code like E06000001")
        region, kind = region_of(cell["region"]), type_of(cell["type"])
        if cell["region"] and region is None:
            bad.append(f"unknown region {cell['region']!r} (use one of: {', '.join(Region)})")
        if cell["type"] and kind is None:
            bad.append(f"unknown type {cell['type']!r} (use one of: {', '.join(CouncilType)})")
        for key in (f"code {cell['code']}", f"name {place(cell['name'])!r}"):
            if cell["code"] and cell["name"] and key in first_line:
                bad.append(f"duplicate {key.split(' ')[0]}: same as line {first_line[key]}")
            first_line.setdefault(key, line)
        problems += [Problem(line, f"{cell['code'] or cell['name']}: {b}", True) for b in bad]
        if not bad and region and kind:
            rows.append(RegisterRow(line, cell["code"], cell["name"], kind, region))
            problems += [Problem(line, f"{cell['code']}: {w}", False) for w in _odd(rows[-1])]
    if not rows and not problems:
        problems.append(Problem(0, "the file lists no councils", True))
    return rows, problems


def _odd(row: RegisterRow) -> list[str]:
    """Facts that contradict each other: worth a look, not a refusal."""
    odd = []
    expected = CODE_TYPES.get(row.code[:3])
    if expected is not None and expected is not row.type:
        odd.append(f"type {row.type.value!r} but the code says {expected.value!r}")
    if (row.type is CouncilType.LONDON_BOROUGH) != (row.region is Region.LONDON):
        odd.append(f"a {row.type.value.lower()} in {row.region.value}")
    return odd


@dataclass
class Merged:
    councils: list[dict[str, Any]]
    problems: list[Problem] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    kept: int = 0  # configured but not in the CSV


def _match(row: RegisterRow, existing: list[dict[str, Any]], taken: set[int]) -> int | None:
    tests: tuple[Callable[[dict[str, Any]], bool], ...] = (
        lambda c: str(c.get("code") or "") == row.code,
        lambda c: str(c.get("id") or "") == slug(row.name),
        lambda c: place(str(c.get("name") or "")) == place(row.name),
    )
    for test in tests:
        found = [i for i, c in enumerate(existing) if i not in taken and test(c)]
        if len(found) == 1:
            return found[0]
    return None


def _regional_warps(existing: list[dict[str, Any]]) -> dict[str, str]:
    """A region's WARP, where every configured council of the region names the same one."""
    seen: dict[str, set[str]] = {}
    for c in existing:
        if c.get("warp"):
            seen.setdefault(str(c.get("region")), set()).add(str(c["warp"]))
    return {region: warps.pop() for region, warps in seen.items() if len(warps) == 1}


def merge(existing: list[dict[str, Any]], rows: list[RegisterRow]) -> Merged:
    """The register's facts over the configured councils; every other key is the operator's."""
    result = Merged(councils=[])
    taken: set[int] = set()
    matched: dict[int, RegisterRow] = {}
    for row in rows:
        index = _match(row, existing, taken)
        if index is not None:
            taken.add(index)
            matched[index] = row
    ids = Counter(str(c.get("id")) for c in existing)
    warps = _regional_warps(existing)
    matched_lines = {r.line for r in matched.values()}
    for row in rows:
        if row.line in matched_lines:
            continue
        cid = slug(row.name)
        if ids[cid]:
            cid = f"{cid}-{row.code.lower()}"
        ids[cid] += 1
        entry: dict[str, Any] = {"id": cid}
        entry.update(_facts(row))
        entry.update({"warp": warps.get(row.region.value, ""), "slack_connect": False})
        entry["contacts"] = []
        result.councils.append(entry)
        result.added += 1
    for index, council in enumerate(existing):
        found = matched.get(index)
        if found is None:
            result.kept += 1
            result.problems.append(
                Problem(
                    0,
                    f"{council.get('id')} ({council.get('name')}) is configured but not in the "
                    "CSV: kept; remove it by hand if it no longer exists",
                    False,
                )
            )
            result.councils.append(dict(council))
            continue
        updated = {"id": council.get("id"), **_facts(found)}
        updated.update({k: v for k, v in council.items() if k not in REGISTER_KEYS})
        result.updated += updated != council
        result.councils.append(updated)
    lines = [_line_of(c, rows) for c in result.councils if not c.get("contacts")]
    if any(lines):
        result.problems.append(
            Problem(
                0,
                f"{len(lines)} councils have no contacts yet (CSV lines "
                f"{_ranges(sorted(n for n in lines if n))}): add them to councils.yml before "
                "their first incident",
                False,
            )
        )
    result.councils.sort(key=lambda c: (place(str(c.get("name"))), str(c.get("id"))))
    return result


def _facts(row: RegisterRow) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "type": row.type.value, "region": row.region.value}


def _line_of(council: dict[str, Any], rows: list[RegisterRow]) -> int:
    return next((r.line for r in rows if r.code == council.get("code")), 0)


def _ranges(numbers: list[int]) -> str:
    """2, 3, 4, 7 -> '2-4, 7': a short list of lines however many councils lack contacts."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)
