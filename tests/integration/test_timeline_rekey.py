"""Databases written before the timeline was keyed migrate: revision 0006 re-keys every intact
chain under the service's key and gives each incident its head, so verify-timeline passes on
them and the service writes on; a chain already broken under the old scheme stays reported."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import asdict
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, select, text

from bot.domain.states import State
from bot.domain.timeline import verify
from bot.usecases.referral import open_referral
from storage import migrate
from storage.audit import audit
from storage.database import create_engine_for, parse_database_url
from storage.models import IncidentRow, ReferenceCounterRow, TimelineEventRow
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import ASSESSOR, TIMELINE_KEY, referral_cmd
from tests.integration.test_timeline_tampering import found

assert found  # the fixture that runs verify-timeline


def legacy_hash(row: dict[str, Any]) -> str:
    """The unkeyed SHA-256 chain as bot.domain.timeline computed it before the key."""
    body = {k: row[k] for k in ("incident_id", "seq", "kind", "actor_id", "actor_name")}
    body |= {
        "organisation": row["organisation"],
        "at": row["at"].astimezone(UTC).isoformat(timespec="microseconds"),
        "data": row["data"],
        "prev_hash": row["prev_hash"],
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def rows_from_the_old_service(tmp_path: Path, ctx, clock) -> tuple[list, list]:
    """Two incidents with a few events each, as the service writes them, read back as rows."""
    target = parse_database_url(f"sqlite:///{tmp_path / 'scratch.db'}")
    migrate.upgrade(target)
    engine = create_engine_for(target)
    uows = SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    try:
        for _ in range(2):
            incident = await open_referral(
                referral_cmd(clock, bodies_told=(), ncsc_reference=""), uows(), ctx
            )
            async with uows() as uow:
                loaded = await uow.incidents.get(incident.id)
                assert loaded is not None
                loaded.move_to(State.THRESHOLD_CHECK, ASSESSOR, clock.now())
                await uow.commit()
        async with engine.connect() as conn:
            incidents = [
                dict(r._mapping) for r in await conn.execute(select(IncidentRow.__table__))
            ]
            events = (
                await conn.execute(
                    select(TimelineEventRow.__table__).order_by("incident_id", "seq")
                )
            ).all()
    finally:
        await engine.dispose()
    return incidents, [dict(r._mapping) for r in events]


def write_as_before(database_url: str, incidents: list, events: list) -> None:
    """The database at 0005 with those rows, chained the old way; the second incident's second
    event was edited afterwards without recomputing (tampering from before the change)."""
    target = parse_database_url(database_url)
    migrate.upgrade(target, to="0005")
    engine = create_engine(target.sync_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(IncidentRow), incidents)
            prev: dict[str, str] = {}
            for row in events:
                row = {**row, "prev_hash": prev.get(row["incident_id"], "0" * 64)}
                row.pop("id")
                row["hash"] = legacy_hash(row)
                prev[row["incident_id"]] = row["hash"]
                if row["incident_id"] == incidents[1]["id"] and row["seq"] == 2:
                    row["actor_name"] = "Someone Else"
                conn.execute(insert(TimelineEventRow), row)
            conn.execute(text("INSERT INTO reference_counters (year, last) VALUES (2026, 2)"))
    finally:
        engine.dispose()


async def test_old_chains_are_rekeyed_verified_and_written_on(
    tmp_path: Path, database_url: str, ctx, clock, found
) -> None:
    incidents, events = await rows_from_the_old_service(tmp_path, ctx, clock)
    write_as_before(database_url, incidents, events)
    target = parse_database_url(database_url)
    with pytest.raises(RuntimeError, match="CIR_TIMELINE_KEY"):
        migrate.upgrade(target)  # no key: refused, and nothing half-done
    assert migrate.status(target).current == "0005"

    assert migrate.upgrade(target, TIMELINE_KEY).is_current
    assert await found(database_url) == [  # re-keyed up to the old break, reported from it
        "BROKEN CIR-2026-0002 seq 2: chain link broken: previous-hash link broken",
        "BROKEN CIR-2026-0002 seq 2: event edited: content does not match hash",
    ]
    engine = create_engine_for(target)
    uows = SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    try:
        async with uows() as uow:
            rekeyed = list(await uow.timeline.for_incident(incidents[0]["id"]))
            loaded = await uow.incidents.get(incidents[0]["id"])
            assert loaded is not None
            loaded.move_to(State.MONITORING, ASSESSOR, clock.now(), reason="below threshold")
            await uow.commit()
        assert verify(TIMELINE_KEY, rekeyed) == []
        first = asdict(rekeyed[0]) | {"prev_hash": "0" * 64}
        assert rekeyed[0].hash != legacy_hash(first)  # a MAC now, not the old hash
        incident = await open_referral(
            referral_cmd(clock, bodies_told=(), ncsc_reference=""), uows(), ctx
        )
        assert str(incident.reference) == "CIR-2026-0003"  # the counter's MAC was set
        async with uows() as uow:
            result = await audit(uow)
        assert result.incidents == 3
        assert result.events == 2 + 2 + 1 + 1
        assert {f.incident for f in result.findings} == {"CIR-2026-0002"}
    finally:
        await engine.dispose()


async def test_an_empty_database_migrates_without_a_key(tmp_path: Path) -> None:
    target = parse_database_url(f"sqlite:///{tmp_path / 'empty.db'}")
    assert await asyncio.to_thread(migrate.upgrade, target) is not None
    engine = create_engine(target.sync_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(ReferenceCounterRow.__table__)).all() == []
    finally:
        engine.dispose()
