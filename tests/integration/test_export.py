"""`python -m bot export` through the real CLI: the full record as JSON, verified, and clear
failures for an unknown reference or a tampered timeline."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.domain.clock import FakeClock
from bot.domain.events import LessonsSubmitted, ThresholdAssessed, ThresholdDecisionRecorded
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.usecases.context import CoreContext
from bot.usecases.referral import open_referral
from storage.database import DatabaseTarget
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import ASSESSOR, COUNCIL_USER, TIMELINE_KEY_TEXT, referral_cmd


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "DATABASE_URL": database_url,
        "PATH": "/usr/bin:/bin",
        "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,
    }
    return subprocess.run(  # noqa: S603 - our own CLI, argv built by the test
        [sys.executable, "-m", "bot", "export", *args], env=env, capture_output=True, text=True
    )


async def prepared(
    uow_factory: SqlUnitOfWorkFactory, ctx: CoreContext, clock: FakeClock
) -> Incident:
    incident = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    async with uow_factory() as uow:
        loaded = await uow.incidents.get(incident.id)
        assert loaded is not None
        clock.advance(minutes=10)
        loaded.move_to(State.THRESHOLD_CHECK, ASSESSOR, clock.now())
        assessed = ThresholdAssessed(
            assessment_id="a1",
            answers={"status": ["confirmed"]},
            recommendation="activate",
            summary="Confirmed ransomware",
            missing=(),
        )
        loaded.note(assessed, ASSESSOR, clock.now())
        decided = ThresholdDecisionRecorded(
            assessment_id="a1",
            decision="activate",
            recommendation="activate",
            rationale="Benefits offline",
            differs_from_recommendation=False,
        )
        loaded.note(decided, ASSESSOR, clock.now())
        submitted = LessonsSubmitted(
            organisation="council:hackney",
            answers={"went_well": "Quick call — thanks"},
            recommendations=({"text": "Offline contacts", "owner": "ICT"},),
        )
        loaded.note(submitted, COUNCIL_USER, clock.now())
        await uow.commit()
    return incident


async def test_export_writes_the_verified_record_as_json(
    uow_factory, database_url, ctx, clock, tmp_path: Path
) -> None:
    incident = await prepared(uow_factory, ctx, clock)
    out = tmp_path / "export.json"
    done = await asyncio.to_thread(cli, database_url, "CIR-2026-0001", "--output", str(out))
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["incident"]["reference"] == "CIR-2026-0001"
    assert record["incident"]["id"] == incident.id
    assert record["incident"]["state"] == "threshold_check"
    assert record["referral"]["council_id"] == "hackney"
    kinds = [e["kind"] for e in record["timeline"]]
    assert kinds == [
        "ReferralReceived",
        "NotificationItemUpdated",  # the NCSC, ticked from the referral's reference
        "StateChanged",
        "ThresholdAssessed",
        "ThresholdDecisionRecorded",
        "LessonsSubmitted",
    ]
    assert [e["seq"] for e in record["timeline"]] == [1, 2, 3, 4, 5, 6]
    assert all(len(e["hash"]) == 64 for e in record["timeline"])
    assert record["timeline"][1]["prev_hash"] == record["timeline"][0]["hash"]
    assert record["answers"][0]["answers"] == {"status": ["confirmed"]}
    assert record["decisions"][0]["rationale"] == "Benefits offline"
    assert record["lessons"][0]["answers"]["went_well"] == "Quick call — thanks"
    assert record["verification"] == {
        "intact": True,
        "events": 6,
        "last_hash": record["timeline"][-1]["hash"],
        "head_mac": record["verification"]["head_mac"],
        "breaks": [],
    }
    assert len(record["verification"]["head_mac"]) == 64
    to_stdout = await asyncio.to_thread(cli, database_url, "cir-2026-0001")
    assert to_stdout.returncode == 0
    assert json.loads(to_stdout.stdout) == record


async def test_an_unknown_or_malformed_reference_exits_2_with_a_message(
    uow_factory, database_url, ctx, clock
) -> None:
    await prepared(uow_factory, ctx, clock)
    missing = await asyncio.to_thread(cli, database_url, "CIR-2026-0099")
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert "No incident CIR-2026-0099 was found" in missing.stderr
    malformed = await asyncio.to_thread(cli, database_url, "hackney")
    assert malformed.returncode == 2
    assert "not an incident reference" in malformed.stderr


async def test_a_tampered_timeline_is_exported_but_flagged(
    uow_factory, db_target: DatabaseTarget, database_url, ctx, clock
) -> None:
    await prepared(uow_factory, ctx, clock)
    engine = create_engine(db_target.sync_url)
    with engine.begin() as conn:
        if db_target.is_sqlite:
            conn.execute(text("DROP TRIGGER timeline_no_update"))
        else:
            conn.execute(text("DROP TRIGGER timeline_append_only ON timeline_events"))
        conn.execute(text("UPDATE timeline_events SET actor_name = 'Someone Else' WHERE seq = 4"))
    engine.dispose()
    done = await asyncio.to_thread(cli, database_url, "CIR-2026-0001")
    assert done.returncode == 1
    assert "BROKEN" in done.stderr
    verification = json.loads(done.stdout)["verification"]
    assert verification["intact"] is False
    assert verification["breaks"] == [
        {"seq": 4, "kind": "event edited", "reason": "content does not match hash"}
    ]
