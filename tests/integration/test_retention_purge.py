"""Retention on SQLite and PostgreSQL: incidents run through the real use cases and the contact
ladder, closed, with notes, status updates and lessons; two years later `python -m bot purge`
removes their personal data from every table and from the timeline, the monthly figures are the
same, verify-timeline passes, and it still finds any other change."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import DBAPIError

from bot.app.figures import load_records
from bot.app.purge import DatabasePurge, purge, report, schedule_daily_purge
from bot.app.scheduler import DeadlineScheduler
from bot.domain.bindings import Platform
from bot.domain.deadlines import FIRST_RETRY, Deadline, DeadlineKind, DeadlineState
from bot.domain.errors import DomainError
from bot.domain.purge import PURGE_KIND, PURGED
from bot.domain.states import State
from bot.domain.uk_time import LONDON
from bot.policy.retention import Period, Retention
from bot.reporting.figures import monthly_figures
from bot.usecases.firing import FiringDeps, fire
from bot.usecases.lessons import SubmitLessons, submit_lessons
from bot.usecases.notes import AddNote, NoteSource, add_note
from bot.usecases.phases import ChangePhase, change_phase
from bot.usecases.presence import presence
from bot.usecases.report_issue import GenerateReport, prepare_report, recorded_report
from bot.usecases.status_updates import PostStatusUpdate, post_status_update
from bot.views.home import open_incidents
from handlers.slack.render.card import card_blocks, card_fallback
from handlers.slack.render.home import home_view
from sandbox.slack.rules import check_blocks, check_view
from storage.database import DatabaseTarget, create_engine_for
from storage.models import DeadlineRow
from storage.retention import Verdict, purged_at
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import (
    ASSESSOR,
    COUNCIL_USER,
    KPMG_RESPONDER,
    TIMELINE_KEY,
    TIMELINE_KEY_TEXT,
)
from tests.integration.ladder_rig import rig as rig  # the fixture, re-exported
from tests.integration.response_steps import FOLLOWUPS
from tests.integration.test_lessons import ANSWERS, RECS
from tests.integration.test_monthly_figures import a_month_of_incidents
from tests.integration.test_timeline_tampering import as_intruder
from tests.integration.test_timeline_tampering import found as found  # the fixture

NOTE = "Spoke to Priya Patel (IT lead) on 07700 900777 about the backups"
UPDATE = "Jo Bloggs restored payroll from tape"
RETENTION = Retention(Period(years=2))
PHASES = ((State.ERADICATION, "Cleaned"), (State.CLOSED, "Services restored."))
# Everything people typed, or that names a person, that the scripted incidents hold.
PERSONAL = (
    "Hana Council", "hana@hackney.example", "07700 900555", "Ransomware note on file servers",
    "Benefits and payments; housing", "Priya Patel", "07700 900777", "Jo Bloggs",
    ANSWERS["hindered"], RECS[0].text, RECS[0].owner, KPMG_RESPONDER.name, ASSESSOR.name,
    COUNCIL_USER.name, "Services restored.",
)  # fmt: skip


async def closed_month(uows: SqlUnitOfWorkFactory, ctx, clock, rig) -> list[str]:
    """Four incidents contacted at 12, 25, 40 and 61 minutes, then each with a note, a status
    update, closure and the council's lessons."""
    references = await a_month_of_incidents(uows, ctx, clock, rig)
    for reference in references:
        await add_note(AddNote(KPMG_RESPONDER, reference, NOTE, NoteSource.SLASH), uows(), ctx)
        update = PostStatusUpdate(KPMG_RESPONDER, reference, UPDATE, "Payroll back", "Monitor")
        await post_status_update(update, uows(), ctx, FOLLOWUPS)
        for phase, summary in (
            (State.ERADICATION, "Cleaned"),
            (State.CLOSED, "Services restored."),
        ):
            await change_phase(
                ChangePhase(ASSESSOR, reference, phase, summary), uows(), ctx, FOLLOWUPS
            )
        lessons = SubmitLessons(COUNCIL_USER, reference, dict(ANSWERS), RECS)
        await submit_lessons(lessons, uows(), ctx)
    return references


async def figures(uows: SqlUnitOfWorkFactory, ctx, month):
    records = await load_records(uows, ctx.policy)
    names = {p.id: p.name for p in ctx.policy.providers.values()}
    return monthly_figures(
        month, records, now=ctx.clock.now(), questionnaire=ctx.policy.questionnaire,
        provider_names=names,
    )  # fmt: skip


def dump(target: DatabaseTarget) -> str:
    """Every row of every table, as text: what a person with the database would read."""
    engine = create_engine(target.sync_url)
    try:
        with engine.connect() as conn:
            tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
            rows = {t: [list(r) for r in conn.execute(text(f"SELECT * FROM {t}"))] for t in tables}  # noqa: S608
    finally:
        engine.dispose()
    return json.dumps(rows, default=str, ensure_ascii=False)


@pytest.fixture
async def month(uow_factory, ctx, clock, rig):
    references = await closed_month(uow_factory, ctx, clock, rig)
    return references, clock.now().date().replace(day=1)


async def test_a_purge_past_retention_removes_personal_data_and_keeps_the_figures(
    month, uow_factory, ctx, clock, db_target, database_url, found
) -> None:
    references, first = month
    before = await figures(uow_factory, ctx, first)
    assert before.incidents == 4
    assert before.met == 2
    assert before.lessons_returned == 4
    assert all(text in dump(db_target) for text in PERSONAL)  # the test can fail

    clock.advance(days=2 * 366)
    outcomes = await purge(uow_factory, RETENTION, clock.now())

    assert [o.verdict for o in outcomes] == [Verdict.PURGED] * 4
    stored = dump(db_target)
    assert [text for text in PERSONAL if text in stored] == []
    assert await figures(uow_factory, ctx, first) == before
    assert await found(database_url) == []  # verify-timeline: intact
    async with uow_factory() as uow:
        incident = await uow.incidents.get_by_reference(references[0])
        assert incident is not None
        events = list(await uow.timeline.for_incident(incident.id))
    referral = incident.referral
    assert (referral.description, referral.contact_name, referral.contact_email) == (PURGED,) * 3
    assert (referral.council_id, incident.state, incident.provider_ids) == (
        "hackney",
        State.CLOSED,
        ("kpmg",),
    )
    by_kind = {e.kind: e for e in events}
    assert by_kind["NoteAdded"].data["text"] == PURGED
    assert by_kind["NoteAdded"].actor_name == PURGED
    assert by_kind["ReferralReceived"].data["reference"] == references[0]
    assert by_kind["ReferralReceived"].data["ncsc_reference"] == "NCSC-12345"
    assert by_kind["ContactRecorded"].data["provider_id"] == "kpmg"
    assert set(by_kind["LessonsSubmitted"].data["answers"].values()) == {PURGED}
    purge_event = events[-1]
    assert purge_event.kind == PURGE_KIND
    assert purge_event.actor_id == "system"
    assert [r["seq"] for r in purge_event.data["redacted"]] == [e.seq for e in events[:-1]]


async def test_a_purge_is_refused_for_an_incident_not_yet_due_and_changes_nothing(
    month, uow_factory, clock, db_target
) -> None:
    references, _ = month
    clock.advance(days=365)
    stored = dump(db_target)
    [outcome] = await purge(uow_factory, RETENTION, clock.now(), [references[0]])
    assert outcome.verdict is Verdict.NOT_DUE
    assert outcome.message.startswith(f"{references[0]} closed on ")
    assert "kept 2 years after closure, until" in outcome.message
    assert dump(db_target) == stored
    everything = await purge(uow_factory, RETENTION, clock.now())  # nothing due at all
    assert {o.verdict for o in everything} == {Verdict.NOT_DUE}
    assert dump(db_target) == stored


async def test_a_dry_run_lists_what_would_go_and_changes_nothing(
    month, uow_factory, clock, db_target, capsys
) -> None:
    references, _ = month
    clock.advance(days=2 * 366)
    stored = dump(db_target)
    outcomes = await purge(uow_factory, RETENTION, clock.now(), dry_run=True)
    assert [o.verdict for o in outcomes] == [Verdict.WOULD_PURGE] * 4
    assert report(outcomes, False, __import__("sys").stdout) == 0
    out = capsys.readouterr().out
    assert all(f"{ref}: would purge" in out for ref in references)
    assert "would purge 4 incident(s)" in out
    assert dump(db_target) == stored


async def test_an_open_incident_is_never_purged(uow_factory, ctx, clock, rig) -> None:
    references = await a_month_of_incidents(uow_factory, ctx, clock, rig)
    clock.advance(days=5 * 366)
    [outcome] = await purge(uow_factory, RETENTION, clock.now(), [references[0]])
    assert outcome.verdict is Verdict.STILL_OPEN
    assert "only closed incidents" in outcome.message
    assert await purge(uow_factory, RETENTION, clock.now()) == []


async def test_after_a_purge_any_other_change_is_still_found(
    month, uow_factory, clock, db_target, database_url, found
) -> None:
    references, _ = month
    clock.advance(days=2 * 366)
    await purge(uow_factory, RETENTION, clock.now())
    async with uow_factory() as uow:
        ids = [(await uow.incidents.get_by_reference(r)).id for r in references[:3]]

    def change(conn) -> None:
        # a redacted event's kept content: the state it moved to
        conn.execute(
            text("UPDATE timeline_events SET data = :d WHERE incident_id = :i AND seq = 1"),
            {"d": json.dumps({"reference": references[0], "council_id": "camden"}), "i": ids[0]},
        )
        # the personal data put back from a backup, under the tombstone's place
        conn.execute(
            text("UPDATE timeline_events SET actor_name = :n WHERE incident_id = :i AND seq = 1"),
            {"n": ASSESSOR.name, "i": ids[1]},
        )
        # the purge record itself: one event no longer vouched for
        rows = conn.execute(
            text("SELECT id, data FROM timeline_events WHERE incident_id = :i AND kind = :k"),
            {"i": ids[2], "k": PURGE_KIND},
        ).all()
        data = rows[0][1] if isinstance(rows[0][1], dict) else json.loads(rows[0][1])
        data["redacted"] = data["redacted"][1:]
        conn.execute(
            text("UPDATE timeline_events SET data = :d WHERE id = :id"),
            {"d": json.dumps(data), "id": rows[0][0]},
        )

    as_intruder(db_target, change)
    lines = await found(database_url)
    for reference in references[:3]:
        assert f"BROKEN {reference} seq " in "\n".join(lines)
    assert any(line.startswith(f"BROKEN {references[0]} seq 1: event edited") for line in lines)
    assert any(line.startswith(f"BROKEN {references[1]} seq 1: event edited") for line in lines)
    assert not any(references[3] in line for line in lines)


async def test_the_append_only_guard_lets_only_a_purge_in_progress_rewrite(
    month, uow_factory, clock, db_target
) -> None:
    references, _ = month
    clock.advance(days=2 * 366)
    await purge(uow_factory, RETENTION, clock.now(), [references[0]])
    engine = create_engine(db_target.sync_url)
    try:
        for statement in (
            "UPDATE timeline_events SET actor_name = 'x'",  # no purge in progress
            "UPDATE timeline_events SET hash = hash",  # not even the same values
            "DELETE FROM timeline_events",
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.begin() as conn:
            # a purge in progress still may not move an event in the chain
            conn.execute(text("UPDATE incident_purges SET status = 'purging'"))
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("UPDATE timeline_events SET seq = seq + 100 WHERE seq = 1"))
    finally:
        engine.dispose()


async def test_a_purged_incidents_report_cannot_be_generated_again(
    month, uow_factory, ctx, clock
) -> None:
    references, _ = month
    clock.advance(days=2 * 366)
    await purge(uow_factory, RETENTION, clock.now(), [references[0]])
    with pytest.raises(DomainError, match="personal data was purged on"):
        await prepare_report(GenerateReport(ASSESSOR, references[0]), uow_factory(), ctx)
    with pytest.raises(DomainError, match="can no longer be generated or shared"):
        await recorded_report(ASSESSOR, references[0], uow_factory(), ctx)  # a share's source
    draft = await prepare_report(GenerateReport(ASSESSOR, references[1]), uow_factory(), ctx)
    assert draft.report.header.reference == references[1]  # one not purged: as ever


async def purge_rows(uows: SqlUnitOfWorkFactory) -> list[Deadline]:
    """The daily purge's deadline rows, oldest first."""
    async with uows() as uow:
        ids = (
            await uow.session.execute(
                select(DeadlineRow.id)
                .where(DeadlineRow.kind == DeadlineKind.RETENTION_PURGE.value)
                .order_by(DeadlineRow.due_at)
            )
        ).scalars()
        found = [await uow.deadlines.get(i) for i in ids]
    return [d for d in found if d is not None]


def replica(uows: SqlUnitOfWorkFactory, deps: FiringDeps, worker: str) -> DeadlineScheduler:
    async def handler(deadline: Deadline, uow: SqlUnitOfWork) -> None:
        await fire(deadline, uow, deps)

    return DeadlineScheduler(uows, deps.ctx.clock, handler, worker_id=worker)


async def purge_events(uows: SqlUnitOfWorkFactory, references: list[str]) -> list[int]:
    """How many purge records each incident's timeline holds."""
    counts = []
    async with uows() as uow:
        for reference in references:
            incident = await uow.incidents.get_by_reference(reference)  # type: ignore[arg-type]
            assert incident is not None
            events = await uow.timeline.for_incident(incident.id)
            counts.append(sum(e.kind == PURGE_KIND for e in events))
    return counts


async def test_the_daily_row_purges_once_with_two_workers(
    month, uow_factory, db_target, ctx, clock, rig
) -> None:
    references, _ = month
    clock.advance(days=2 * 366)
    deps = replace(rig.deps, purge=DatabasePurge())
    engine = create_engine_for(db_target)
    other = SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    try:
        started = await asyncio.gather(
            schedule_daily_purge(uow_factory, ctx), schedule_daily_purge(other, ctx)
        )
        assert sorted(started) == [False, True]  # two replicas starting: one row
        [today] = await purge_rows(uow_factory)
        day = today.due_at.astimezone(LONDON)
        assert today.id == f"retention-purge-{day:%Y-%m-%d}"
        assert today.incident_id == ""
        assert (day.hour, day.minute) == (3, 0)
        assert today.due_at > clock.now()
        a, b = replica(uow_factory, deps, "replica-a"), replica(other, deps, "replica-b")
        await a.fire_due()  # the incidents' own reminders, due long ago: out of the way
        clock.set(today.due_at)
        settled = await asyncio.gather(a.fire_due(), b.fire_due())
        clock.advance(hours=1)
        again = await b.fire_due()
    finally:
        await engine.dispose()
    assert sum(settled) == 1
    assert again == 0
    assert await purge_events(uow_factory, references) == [1, 1, 1, 1]
    fired, tomorrow = await purge_rows(uow_factory)
    assert fired.state is DeadlineState.FIRED
    assert fired.attempts == 1
    assert fired.claimed_by in {"replica-a", "replica-b"}
    async with uow_factory() as uow:
        found = [await uow.incidents.get_by_reference(r) for r in references]
    ids = [i.id for i in found if i is not None]
    assert sorted(fired.payload["purged"]) == sorted(ids)
    assert tomorrow.state is DeadlineState.PENDING
    assert tomorrow.due_at.astimezone(LONDON) == day + timedelta(days=1)
    assert tomorrow.id == f"retention-purge-{day + timedelta(days=1):%Y-%m-%d}"
    clock.set(tomorrow.due_at)
    assert await replica(uow_factory, deps, "replica-a").fire_due() == 1  # nothing left to purge
    assert await purge_events(uow_factory, references) == [1, 1, 1, 1]
    _, second, third = await purge_rows(uow_factory)
    assert (second.id, second.state, second.payload["purged"]) == (
        tomorrow.id, DeadlineState.FIRED, [],
    )  # fmt: skip
    assert third.state is DeadlineState.PENDING


class PurgeThenFail:
    """The database going away half-way through a run: after the purges, before the commit."""

    async def purge_due(self, uow, retention, now):
        await DatabasePurge().purge_due(uow, retention, now)
        raise ConnectionError("the database went away")


async def test_a_failed_daily_run_purges_nothing_and_is_retried_with_backoff(
    month, uow_factory, ctx, clock, rig
) -> None:
    references, _ = month
    clock.advance(days=2 * 366)
    await schedule_daily_purge(uow_factory, ctx)
    [today] = await purge_rows(uow_factory)
    failing = replica(uow_factory, replace(rig.deps, purge=PurgeThenFail()), "replica-a")
    await failing.fire_due()  # the incidents' own reminders, due long ago: out of the way
    clock.set(today.due_at)
    assert await failing.fire_due() == 0
    [still] = await purge_rows(uow_factory)  # and no next day's row yet
    assert still.state is DeadlineState.PENDING
    assert still.attempts == 1
    assert still.due_at == clock.now() + FIRST_RETRY
    assert await purge_events(uow_factory, references) == [0, 0, 0, 0]  # nothing half-purged
    async with uow_factory() as uow:
        first = await uow.incidents.get_by_reference(references[0])
        assert first is not None
        assert await purged_at(uow, first.id) is None
    working = replica(uow_factory, replace(rig.deps, purge=DatabasePurge()), "replica-a")
    clock.advance(seconds=FIRST_RETRY.total_seconds() - 1)
    assert await working.fire_due() == 0  # not before its backoff
    clock.advance(seconds=1)
    assert await working.fire_due() == 1
    assert await purge_events(uow_factory, references) == [1, 1, 1, 1]
    fired, tomorrow = await purge_rows(uow_factory)
    assert fired.state is DeadlineState.FIRED
    assert tomorrow.state is DeadlineState.PENDING
    assert fired.payload["first_due_at"] == today.due_at.isoformat()  # how late it went


async def test_the_slack_card_and_app_home_show_a_purged_incident_without_errors(
    month, uow_factory, ctx, clock
) -> None:
    references, _ = month
    clock.advance(days=2 * 366)
    [outcome] = await purge(uow_factory, RETENTION, clock.now(), [references[0]])
    p = await presence(uow_factory(), ctx, outcome.incident_id, Platform.SLACK)
    card = p.card()
    blocks = card_blocks(card)
    assert check_blocks(blocks) == []
    shown = json.dumps(blocks, ensure_ascii=False) + card_fallback(card)
    assert "Purged under the retention policy" in shown
    # the purged facts are not shown as if "[purged]" were what happened; where a name was
    # (who made contact) the tombstone says it was purged
    assert "What happened" not in shown
    assert "Out-of-band contact" not in shown
    assert "by [purged] (phone)" in shown
    assert [t for t in PERSONAL if t in shown] == []
    assert "Hackney" in shown
    assert references[0] in shown
    rows = await open_incidents(uow_factory(), ctx, ASSESSOR)  # closed: not listed, no error
    assert check_view(home_view(rows)) == []
    assert references[0] not in json.dumps(home_view(rows))


def test_the_command_refuses_what_is_not_due_and_dry_runs(month, database_url, db_target) -> None:
    """`python -m bot purge` itself, on the real clock: the incidents closed on the fake clock's
    23 November 2026, so they are kept until 23 November 2028."""
    references, _ = month
    stored = dump(db_target)
    env = {
        "DATABASE_URL": database_url, "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,
        "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2]),
    }  # fmt: skip

    def bot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (our own command, fixed arguments)
            [sys.executable, "-m", "bot", "purge", *args],
            capture_output=True, text=True, check=False, env=env,
        )  # fmt: skip

    refused = bot(references[0])
    assert refused.returncode == 1, refused.stderr
    assert f"{references[0]} closed on 23 November 2026" in refused.stdout
    assert "until 23 November 2028: not purged" in refused.stdout
    dry = bot("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "purged 0 incident(s); 4 closed but not yet due" in dry.stdout
    unknown = bot("CIR-2026-0999")
    assert unknown.returncode == 1
    assert "CIR-2026-0999: no such incident" in unknown.stdout
    assert dump(db_target) == stored
