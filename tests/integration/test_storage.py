import asyncio
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from bot.domain.errors import InvalidInput, NotAuthorised
from bot.domain.reference import Reference
from bot.domain.states import State
from bot.domain.timeline import verify
from bot.usecases.referral import open_referral
from storage import migrate
from storage.database import parse_database_url
from tests.factories import COUNCIL_USER, TIMELINE_KEY, TIMELINE_KEY_TEXT, referral_cmd


async def test_referral_is_stored_with_its_first_timeline_event(uow_factory, ctx, clock) -> None:
    incident = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    assert str(incident.reference) == f"CIR-{clock.now().year}-0001"
    async with uow_factory() as uow:
        stored = await uow.incidents.get_by_reference(incident.reference)
        events = await uow.timeline.for_incident(incident.id)
    assert stored is not None
    assert stored.state is State.REFERRAL_RECEIVED
    assert stored.referral.contact_email == "hana@hackney.example"
    assert stored.opened_at == clock.now()
    # the referral carries the NCSC's reference, so the bot ticks the NCSC on the checklist
    assert [e.kind for e in events] == ["ReferralReceived", "NotificationItemUpdated"]
    assert events[0].organisation == "mhclg:mhclg"
    assert events[0].at == clock.now()
    assert verify(TIMELINE_KEY, list(events)) == []


async def test_references_are_sequential_per_year_and_restart_each_year(
    uow_factory, ctx, clock
) -> None:
    refs = [
        str((await open_referral(referral_cmd(clock), uow_factory(), ctx)).reference)
        for _ in range(3)
    ]
    assert refs == ["CIR-2026-0001", "CIR-2026-0002", "CIR-2026-0003"]
    clock.set(clock.now().replace(year=2027, month=1, day=1))
    new_year = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    assert str(new_year.reference) == "CIR-2027-0001"


async def test_state_changes_append_chained_events(uow_factory, ctx, clock) -> None:
    incident = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    async with uow_factory() as uow:
        loaded = await uow.incidents.get(incident.id)
        assert loaded is not None
        clock.advance(minutes=5)
        loaded.move_to(State.THRESHOLD_CHECK, ctx.policy and referral_cmd(clock).actor, clock.now())
        await uow.commit()
    async with uow_factory() as uow:
        events = list(await uow.timeline.for_incident(incident.id))
        reloaded = await uow.incidents.get(incident.id)
    assert [e.seq for e in events] == [1, 2, 3]  # referral, the NCSC ticked, the move
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert reloaded is not None
    assert reloaded.state is State.THRESHOLD_CHECK
    assert reloaded.version == 2
    assert verify(TIMELINE_KEY, events) == []


async def test_bad_referral_names_fields_and_stores_nothing(uow_factory, ctx, clock) -> None:
    bad = referral_cmd(
        clock,
        council_id="atlantis",
        contact_email="nope",
        description=" ",
        detected_at=clock.now().replace(year=2030),
    )
    with pytest.raises(InvalidInput) as err:
        await open_referral(bad, uow_factory(), ctx)
    assert set(err.value.field_errors) == {
        "council_id",
        "contact_email",
        "description",
        "detected_at",
    }
    too_long = referral_cmd(clock, description="x" * 3001)
    with pytest.raises(InvalidInput, match="limit is 3000"):
        await open_referral(too_long, uow_factory(), ctx)
    with pytest.raises(NotAuthorised):
        await open_referral(referral_cmd(clock, actor=COUNCIL_USER), uow_factory(), ctx)
    async with uow_factory() as uow:
        assert await uow.incidents.list_open() == []
        assert await uow.timeline.incident_ids() == []
    # the refused attempts consumed no reference numbers
    first = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    assert first.reference == Reference(2026, 1)


async def test_database_refuses_to_edit_or_delete_timeline_rows(
    uow_factory, db_target, ctx, clock
) -> None:
    await open_referral(referral_cmd(clock), uow_factory(), ctx)
    engine = create_engine(db_target.sync_url)
    try:
        for statement in (
            "UPDATE timeline_events SET kind = 'Forged'",
            "DELETE FROM timeline_events",
        ):
            with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT kind FROM timeline_events")).scalars().all() == [
                "ReferralReceived",
                "NotificationItemUpdated",  # the NCSC, ticked from the referral's reference
            ]
    finally:
        engine.dispose()


async def test_verify_timeline_command_detects_a_tampered_row(
    uow_factory, db_target, database_url, ctx, clock
) -> None:
    incident = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    await asyncio.to_thread(_tamper_and_verify, incident, db_target, database_url)


def _tamper_and_verify(incident, db_target, database_url) -> None:
    env = {
        "DATABASE_URL": database_url,
        "PATH": "/usr/bin:/bin",
        "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,
    }
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "verify-timeline"], env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert "timeline intact" in ok.stdout
    # An attacker with database admin rights drops the guard and edits the record.
    engine = create_engine(db_target.sync_url)
    with engine.begin() as conn:
        if db_target.is_sqlite:
            conn.execute(text("DROP TRIGGER timeline_no_update"))
        else:
            conn.execute(text("DROP TRIGGER timeline_append_only ON timeline_events"))
        conn.execute(text("UPDATE timeline_events SET actor_name = 'Someone Else'"))
    engine.dispose()
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "verify-timeline"], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert f"BROKEN {incident.reference} seq 1: event edited: content does not match" in bad.stdout


async def test_fresh_database_is_refused_until_migrated(tmp_path) -> None:
    target = parse_database_url(f"sqlite:///{tmp_path / 'new.db'}")
    with pytest.raises(migrate.SchemaError, match="empty database.*python -m bot migrate"):
        migrate.require_current(target)
    assert migrate.upgrade(target).is_current
    assert migrate.require_current(target).current == migrate.head_revision()


async def test_a_newer_unknown_schema_refuses_to_start(tmp_path) -> None:
    target = parse_database_url(f"sqlite:///{tmp_path / 'future.db'}")
    migrate.upgrade(target)
    engine = create_engine(target.sync_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(migrate.SchemaError, match="9999.*newer"):
        migrate.upgrade(target)


async def test_concurrent_referrals_get_unique_gap_free_references_on_postgres(
    pg_database_url, ctx, clock
) -> None:
    from storage.database import create_engine_for
    from storage.uow import SqlUnitOfWorkFactory

    target = parse_database_url(pg_database_url)
    migrate.upgrade(target)
    engine = create_engine_for(target, pool_size=40)  # all 40 referrals at once
    factory = SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    try:
        incidents = await asyncio.gather(
            *(open_referral(referral_cmd(clock), factory(), ctx) for _ in range(40))
        )
    finally:
        await engine.dispose()
    numbers = sorted(i.reference.number for i in incidents)
    assert numbers == list(range(1, 41))
