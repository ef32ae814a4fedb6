"""Tampering by someone with database access, on SQLite and PostgreSQL: each kind is found by
`python -m bot verify-timeline`, which names the incident and the kind; the triggers refuse
INSERT OR REPLACE (SQLite) and TRUNCATE (PostgreSQL); and the service will not seal over a
deletion by writing on."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import Connection, create_engine, inspect, text

from bot.app.cli import _verify_timeline as verify_timeline
from bot.domain.errors import RecordTampered
from bot.domain.seal import counter_mac
from bot.domain.states import State
from bot.usecases.referral import open_referral
from storage.database import DatabaseTarget
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import ASSESSOR, TIMELINE_KEY, TIMELINE_KEY_TEXT, referral_cmd

REFS = ["CIR-2026-0001", "CIR-2026-0002", "CIR-2026-0003"]


async def three_incidents(uow_factory: SqlUnitOfWorkFactory, ctx, clock) -> list[str]:
    """Three referrals, each moved on twice: three events per incident."""
    ids = []
    for _ in REFS:
        # nobody told at referral: no checklist ticks, three events exactly
        cmd = referral_cmd(clock, bodies_told=(), ncsc_reference="")
        incident = await open_referral(cmd, uow_factory(), ctx)
        async with uow_factory() as uow:
            loaded = await uow.incidents.get(incident.id)
            assert loaded is not None
            clock.advance(minutes=1)
            loaded.move_to(State.THRESHOLD_CHECK, ASSESSOR, clock.now())
            loaded.move_to(State.MONITORING, ASSESSOR, clock.now(), reason="below threshold")
            await uow.commit()
        ids.append(incident.id)
    return ids


def as_intruder(target: DatabaseTarget, change: Callable[[Connection], object]) -> None:
    """Drop the append-only guards, as a database administrator can, and make the change."""
    engine = create_engine(target.sync_url)
    try:
        with engine.begin() as conn:
            if target.is_sqlite:
                for name in ("timeline_no_update", "timeline_no_delete", "timeline_no_replace"):
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            else:
                conn.execute(text("DROP TRIGGER timeline_append_only ON timeline_events"))
                conn.execute(text("DROP TRIGGER timeline_no_truncate ON timeline_events"))
            change(conn)
    finally:
        engine.dispose()


def delete_incident(conn: Connection, incident_id: str, *, keep_head: bool = False) -> None:
    tables = inspect(conn).get_table_names()
    for table in tables:
        columns = {c["name"] for c in inspect(conn).get_columns(table)}
        if "incident_id" in columns and not (keep_head and table == "timeline_heads"):
            conn.execute(text(f"DELETE FROM {table} WHERE incident_id = :i"), {"i": incident_id})  # noqa: S608
    conn.execute(text("DELETE FROM incidents WHERE id = :i"), {"i": incident_id})


@pytest.fixture
def found(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[str], Awaitable[list[str]]]:
    """`python -m bot verify-timeline`'s own code, in this process (a subprocess per case
    cost seconds each; tests/integration/test_storage.py runs the real command once)."""

    async def run(database_url: str) -> list[str]:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("CIR_TIMELINE_KEY", TIMELINE_KEY_TEXT)
        capsys.readouterr()
        code = await verify_timeline()
        out = capsys.readouterr().out
        lines = [line for line in out.splitlines() if line.startswith("BROKEN")]
        assert (code == 1) == bool(lines), out
        return lines

    return run


@pytest.fixture
async def record(uow_factory, db_target, database_url, ctx, clock, found):
    ids = await three_incidents(uow_factory, ctx, clock)
    assert await found(database_url) == []
    return ids


def sql(statement: str, **params: object) -> Callable[[Connection], object]:
    return lambda conn: conn.execute(text(statement), params)


async def test_an_edited_event_with_its_chain_recomputed_without_the_key(
    record, db_target, database_url, found
) -> None:
    """The old attack: edit a row, then recompute every hash after it (SHA-256, no key)."""

    def edit(conn: Connection) -> None:
        conn.execute(
            text("UPDATE timeline_events SET actor_name = 'Someone Else' WHERE incident_id = :i"),
            {"i": record[1]},
        )
        rows = conn.execute(
            text("SELECT id, hash FROM timeline_events WHERE incident_id = :i ORDER BY seq"),
            {"i": record[1]},
        ).all()
        prev = "0" * 64
        for row_id, _ in rows:
            digest = hashlib.sha256(f"{prev}forged".encode()).hexdigest()
            conn.execute(
                text("UPDATE timeline_events SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": prev, "h": digest, "id": row_id},
            )
            prev = digest

    as_intruder(db_target, edit)
    lines = await found(database_url)
    assert f"BROKEN {REFS[1]} seq 1: event edited: content does not match hash" in lines
    assert all(REFS[1] in line for line in lines)


async def test_the_last_events_deleted(record, db_target, database_url, found) -> None:
    as_intruder(
        db_target,
        sql("DELETE FROM timeline_events WHERE incident_id = :i AND seq > 1", i=record[0]),
    )
    assert await found(database_url) == [
        f"BROKEN {REFS[0]} seq 1: last events deleted: events 2-3 are gone"
    ]


async def test_all_of_one_incidents_events_deleted(record, db_target, database_url, found) -> None:
    as_intruder(db_target, sql("DELETE FROM timeline_events WHERE incident_id = :i", i=record[2]))
    assert await found(database_url) == [
        f"BROKEN {REFS[2]} seq 3: all events deleted: all 3 events are gone"
    ]


async def test_a_whole_incident_deleted_with_its_head(
    record, db_target, database_url, found
) -> None:
    as_intruder(db_target, lambda conn: delete_incident(conn, record[1]))
    assert await found(database_url) == [
        f"BROKEN {REFS[1]} seq 0: incident deleted: "
        "issued, but the incident and its chain head are gone"
    ]


async def test_a_whole_incident_deleted_leaving_its_head(
    record, db_target, database_url, found
) -> None:
    as_intruder(db_target, lambda conn: delete_incident(conn, record[0], keep_head=True))
    assert await found(database_url) == [
        f"BROKEN {REFS[0]} seq 3: incident deleted: "
        "its chain head remains but the incident row is gone"
    ]


async def test_the_newest_incident_deleted_and_the_counter_wound_back(
    record, db_target, database_url, found
) -> None:
    def erase(conn: Connection) -> None:
        delete_incident(conn, record[2])
        conn.execute(text("UPDATE reference_counters SET last = 2"))

    as_intruder(db_target, erase)
    assert await found(database_url) == [
        "BROKEN counter 2026 seq 2: reference counter forged: its MAC does not match"
    ]


async def test_the_counter_deleted_then_an_incident(record, db_target, database_url, found) -> None:
    """Found by a stranger's review: with the counter row gone nothing was checked."""

    def erase(conn: Connection) -> None:
        conn.execute(text("DELETE FROM reference_counters"))
        delete_incident(conn, record[1])

    as_intruder(db_target, erase)
    lines = await found(database_url)
    assert lines[0].startswith("BROKEN counter 2026 seq 3: reference counter missing")
    assert lines[1:] == [
        f"BROKEN {REFS[1]} seq 0: incident deleted: "
        "issued, but the incident and its chain head are gone"
    ]


async def test_a_genuine_older_counter_put_back(record, db_target, database_url, found) -> None:
    """The counter row as it was after the second referral, MAC and all: genuine, but the third
    incident still exists, so it was wound back."""
    mac = counter_mac(TIMELINE_KEY, 2026, 2)
    as_intruder(db_target, sql("UPDATE reference_counters SET last = 2, mac = :m", m=mac))
    assert await found(database_url) == [
        "BROKEN counter 2026 seq 3: reference counter rewound: "
        "CIR-2026-0003 exists but the counter says only 2"
    ]


async def test_a_rollback_is_caught_only_with_an_outside_anchor(
    record, db_target, database_url, monkeypatch, capsys
) -> None:
    """A whole earlier backup put back is genuine row by row: only a reference known from
    outside the database (a report, an email) can show that it is missing."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CIR_TIMELINE_KEY", TIMELINE_KEY_TEXT)
    assert await verify_timeline("CIR-2026-0003") == 0
    capsys.readouterr()
    assert await verify_timeline("CIR-2026-0007") == 1
    assert "BROKEN CIR-2026-0007 seq 3: reference counter rewound" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("council_id", "'croydon'", "council_id"),
        ("provider_ids", "'[\"accenture\"]'", "provider_ids"),
    ],
)
async def test_the_council_or_provider_changed(
    record, db_target, database_url, found, column: str, value: str, named: str
) -> None:
    statement = f"UPDATE incidents SET {column} = {value} WHERE id = :i"  # noqa: S608 - constants
    as_intruder(db_target, sql(statement, i=record[1]))
    assert await found(database_url) == [
        f"BROKEN {REFS[1]} seq 3: council or provider changed: {named} changed outside the service"
    ]


async def test_a_head_moved_back_to_hide_deleted_events(
    record, db_target, database_url, found
) -> None:
    def hide(conn: Connection) -> None:
        conn.execute(
            text("DELETE FROM timeline_events WHERE incident_id = :i AND seq = 3"), {"i": record[0]}
        )
        conn.execute(
            text(
                "UPDATE timeline_heads SET seq = 2, event_mac = "
                "(SELECT hash FROM timeline_events WHERE incident_id = :i AND seq = 2) "
                "WHERE incident_id = :i"
            ),
            {"i": record[0]},
        )

    as_intruder(db_target, hide)
    assert await found(database_url) == [
        f"BROKEN {REFS[0]} seq 2: chain head forged: the chain head's MAC does not match it"
    ]


async def test_a_head_deleted(record, db_target, database_url, found) -> None:
    as_intruder(db_target, sql("DELETE FROM timeline_heads WHERE incident_id = :i", i=record[2]))
    assert await found(database_url) == [
        f"BROKEN {REFS[2]} seq 3: chain head missing: the incident has no chain head"
    ]


async def test_writing_on_keeps_a_deleted_tail_visible(
    record, db_target, database_url, found, uow_factory, clock
) -> None:
    as_intruder(
        db_target,
        sql("DELETE FROM timeline_events WHERE incident_id = :i AND seq = 3", i=record[0]),
    )
    async with uow_factory() as uow:
        incident = await uow.incidents.get(record[0])
        assert incident is not None
        incident.move_to(State.THRESHOLD_CHECK, ASSESSOR, clock.now())
        await uow.commit()
    assert await found(database_url) == [
        f"BROKEN {REFS[0]} seq 4: events missing: missing event(s) before seq 4",
        f"BROKEN {REFS[0]} seq 4: chain link broken: previous-hash link broken",
    ]


async def test_no_write_on_an_incident_whose_head_is_gone(
    record, db_target, uow_factory, clock
) -> None:
    as_intruder(db_target, sql("DELETE FROM timeline_heads WHERE incident_id = :i", i=record[0]))
    async with uow_factory() as uow:
        incident = await uow.incidents.get(record[0])
        assert incident is not None
        incident.move_to(State.THRESHOLD_CHECK, ASSESSOR, clock.now())
        with pytest.raises(RecordTampered, match="CIR-2026-0001.*chain head is missing"):
            await uow.commit()


async def test_no_new_reference_from_a_wound_back_counter(
    record, db_target, uow_factory, ctx, clock
) -> None:
    as_intruder(db_target, sql("UPDATE reference_counters SET last = 1"))
    with pytest.raises(RecordTampered, match="reference counter for 2026"):
        await open_referral(referral_cmd(clock), uow_factory(), ctx)


async def test_the_database_refuses_replace_and_truncate(record, db_target) -> None:
    engine = create_engine(db_target.sync_url)
    if db_target.is_sqlite:
        statement = (
            "INSERT OR REPLACE INTO timeline_events "
            "(id, incident_id, seq, kind, actor_id, actor_name, organisation, at, data, "
            "prev_hash, hash) "
            "SELECT id, incident_id, seq, 'Forged', actor_id, actor_name, organisation, at, data, "
            "prev_hash, hash FROM timeline_events WHERE seq = 1"
        )
    else:
        statement = "TRUNCATE timeline_events"
    try:
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
        with engine.connect() as conn:
            kinds = conn.execute(text("SELECT kind FROM timeline_events WHERE seq = 1")).scalars()
            assert list(kinds) == ["ReferralReceived"] * 3
    finally:
        engine.dispose()
