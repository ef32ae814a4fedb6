"""The whole database checked against the timeline key: every incident's chain and head, heads
left by deleted incidents, and every reference the keyed counters say was issued."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.domain.errors import DomainError
from bot.domain.reference import Reference
from bot.domain.seal import Binding, Head, check_incident, counter_mac, head_is_genuine
from bot.domain.timeline import Tamper, TimelineKey
from storage.models import IncidentRow
from storage.uow import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of tampering, named by incident (its reference) and kind."""

    incident: str
    kind: Tamper
    seq: int
    reason: str

    def line(self) -> str:
        return f"BROKEN {self.incident} seq {self.seq}: {self.kind.value}: {self.reason}"


@dataclass
class Audit:
    incidents: int = 0
    events: int = 0
    findings: list[Finding] = field(default_factory=list)


async def audit(uow: SqlUnitOfWork, expect_at_least: Reference | None = None) -> Audit:
    """Read-only; `uow` must be entered. `expect_at_least`: a reference known from outside the
    database to have been issued (see `expected_missing`)."""
    key, result = uow.key, Audit()
    rows = (
        await uow.session.execute(select(IncidentRow).order_by(IncidentRow.opened_at))
    ).scalars()
    incidents = list(rows)
    heads = {h.incident_id: h for h in await uow.heads.all()}
    for row in incidents:
        events = list(await uow.timeline.for_incident(row.id))
        result.incidents += 1
        result.events += len(events)
        current = Binding(row.reference, row.council_id, tuple(row.provider_ids or ()))
        for b in check_incident(key, row.id, current, events, heads.get(row.id)):
            result.findings.append(Finding(row.reference, b.kind, b.seq, b.reason))
    known = {row.id for row in incidents}
    for head in heads.values():
        if head.incident_id in known:
            continue
        if head_is_genuine(key, head):
            reason = "its chain head remains but the incident row is gone"
            finding = Finding(head.binding.reference, Tamper.INCIDENT_DELETED, head.seq, reason)
        else:
            reason = "a chain head for no incident, and its MAC does not match"
            finding = Finding(head.binding.reference, Tamper.HEAD_FORGED, head.seq, reason)
        result.findings.append(finding)
    counters = await uow.heads.counters()
    result.findings.extend(_references(key, counters, incidents, heads))
    if expect_at_least is not None and (missing := expected_missing(counters, expect_at_least)):
        result.findings.append(missing)
    return result


def _year_number(reference: str) -> tuple[int, int] | None:
    try:
        parsed = Reference.parse(reference)
    except DomainError:  # a forged head's reference: reported as forged, not here
        return None
    return parsed.year, parsed.number


def expected_missing(
    counters: Sequence[tuple[int, int, str]], at_least: Reference
) -> Finding | None:
    """The outside anchor: a reference known to have been issued (from a report, an email, a
    log shipped elsewhere). Without one, putting back a whole earlier backup of the database is
    indistinguishable from the past, since every row in it is genuine."""
    last = next((last for year, last, _ in counters if year == at_least.year), 0)
    if last >= at_least.number:
        return None
    reason = f"{at_least} was issued, but the database's counter stops at {last}: rolled back"
    return Finding(str(at_least), Tamper.COUNTER_REWOUND, last, reason)


def _references(
    key: TimelineKey,
    counters: Sequence[tuple[int, int, str]],
    incidents: list[IncidentRow],
    heads: dict[str, Head],
) -> list[Finding]:
    """References are gap-free: each one the keyed counter says was issued must still exist
    (an incident whose orphaned head was already reported is not reported twice)."""
    findings: list[Finding] = []
    present = {(row.year, row.number) for row in incidents}
    known = {row.id for row in incidents}
    reported = {h.binding.reference for h in heads.values() if h.incident_id not in known}
    issued = {year: last for year, last, _ in counters}
    from_heads = (_year_number(h.binding.reference) for h in heads.values())
    seen = present | {found for found in from_heads if found is not None}
    highest: dict[int, int] = {}
    for year, number in seen:
        highest[year] = max(number, highest.get(year, 0))
    for year, number in sorted(highest.items()):
        if year not in issued:  # deleting the counter must not hide deleting incidents
            reason = "incidents of this year exist but its keyed counter is gone"
            findings.append(Finding(f"counter {year}", Tamper.COUNTER_MISSING, number, reason))
        elif number > issued[year]:  # an older (genuine) counter row put back
            reason = f"{Reference(year, number)} exists but the counter says only {issued[year]}"
            findings.append(Finding(f"counter {year}", Tamper.COUNTER_REWOUND, number, reason))
    for year, last, mac in counters:
        if not hmac.compare_digest(mac, counter_mac(key, year, last)):
            findings.append(
                Finding(f"counter {year}", Tamper.COUNTER_FORGED, last, "its MAC does not match")
            )
    # every reference up to the highest known to be issued (by the counter, or by an incident
    # or head that exists) must still be there
    for year in sorted(set(issued) | set(highest)):
        for number in range(1, max(issued.get(year, 0), highest.get(year, 0)) + 1):
            reference = str(Reference(year, number))
            if (year, number) not in present and reference not in reported:
                reason = "issued, but the incident and its chain head are gone"
                findings.append(Finding(reference, Tamper.INCIDENT_DELETED, 0, reason))
    return findings
