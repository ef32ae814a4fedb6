"""The running service, killed with SIGKILL while the contact ladder is pending, then started
again: every step that fell due while it was down fires once, none is lost, none repeats, and
nothing fires after contact is recorded."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

from sqlalchemy import select

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.clock import SystemClock
from bot.domain.deadlines import DeadlineKind, DeadlineState
from bot.domain.timeline import verify
from bot.policy.load import load_policy
from bot.usecases.contact import RecordContact, record_contact
from bot.usecases.context import CoreContext
from sandbox.slack.api import FakeSlackApi
from storage.database import create_engine_for, parse_database_url
from storage.migrate import upgrade
from storage.models import DeadlineRow
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import KPMG_RESPONDER, TIMELINE_KEY, TIMELINE_KEY_TEXT
from tests.integration.test_activation import activated

ROOT = Path(__file__).resolve().parents[2]
# Steps at 2/3 (reminder), 1, 1.5, 2 and 2.5 times the deadline: long enough that a slow start on
# a loaded machine is still killed before the reminder is due.
DEADLINE, SECONDS = "10s", 10.0
LADDER = {DeadlineKind.CONTACT_REMINDER, DeadlineKind.CONTACT_ESCALATION}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_service(
    database_url: str, slack: FakeSlackApi, port: int
) -> asyncio.subprocess.Process:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))},
        "DATABASE_URL": database_url,
        "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,
        "PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-e2e",
        "SLACK_SIGNING_SECRET": "e2e-secret",
        "SLACK_API_URL": slack.base_url,
        "CIR_CONTACT_DEADLINE": DEADLINE,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return process
        except OSError:
            await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError("the service did not start")


async def wait_for(predicate, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


async def test_sigkill_with_pending_deadlines_loses_none_and_repeats_none(
    database_url: str,
) -> None:
    target = parse_database_url(database_url)
    upgrade(target)
    engine = create_engine_for(target)
    uows = SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    ctx = CoreContext(
        clock=SystemClock(), policy=load_policy(DEFAULT_CONFIG_DIR, contact_deadline=DEADLINE)
    )
    async with FakeSlackApi() as slack:
        for provider in ctx.policy.providers.values():  # the bot is in each paging channel
            slack.add_channel(provider.paging_channel, f"{provider.id}-paging")
        result = await activated(uows, ctx)  # type: ignore[arg-type]
        incident_id = result.incident.id
        port = free_port()
        service = await start_service(database_url, slack, port)
        service.send_signal(signal.SIGKILL)  # before the reminder is due
        await service.wait()
        assert await ladder_pending(uows, incident_id) == 5, "a step fired before the kill"
        due_at_restart = result.notified_at.timestamp() + SECONDS + 1  # reminder and level 1
        await asyncio.sleep(max(0.0, due_at_restart - time.time()))

        async def fired_count() -> int:
            return 5 - await ladder_pending(uows, incident_id)

        service = await start_service(database_url, slack, port)
        try:
            await wait_for(lambda: _at_least(fired_count, 2), 20, "the missed steps to fire")
            contact = RecordContact(KPMG_RESPONDER, incident_id, ctx.clock.now(), "phone")
            await record_contact(contact, uows(), ctx)  # type: ignore[arg-type]
            last_step = result.notified_at.timestamp() + 2.5 * SECONDS + 1
            await asyncio.sleep(max(0.0, last_step - time.time()))  # nothing more may fire
        finally:
            service.send_signal(signal.SIGTERM)
            await asyncio.wait_for(service.wait(), 20)
        async with uows() as uow:
            events = list(await uow.timeline.for_incident(incident_id))
            rows = await _all_deadlines(uow, incident_id)
        await engine.dispose()

    # back after the contact deadline: the reminder ("contact is due by …") would be wrong, so
    # it is on the record as skipped, and the escalation says it rightly
    reminders = [e for e in events if e.kind == "ContactReminderSent"]
    skipped = [e for e in events if e.kind == "ContactReminderSkipped"]
    escalations = [e.data["level"] for e in events if e.kind == "EscalationSent"]
    assert (len(reminders), len(skipped)) == (0, 1)
    assert escalations == sorted(set(escalations)) and escalations[:1] == [1]
    contact_at = next(e.at for e in events if e.kind == "ContactRecorded")
    assert all(
        e.at <= contact_at for e in events if e.kind in {"EscalationSent", "ContactReminderSent"}
    )
    assert rows.count(DeadlineState.FIRED.value) == 1 + len(escalations)
    assert DeadlineState.PENDING.value not in rows
    paging = slack.messages("C0KPMGPAGING")
    assert [m for m in paging if "reminder" in slack.message_text(m).lower()] == []
    dms = [m for m in slack.messages("U0KPMGESC")]
    assert len(dms) == len(escalations)
    assert verify(TIMELINE_KEY, events) == []


async def ladder_pending(uows: SqlUnitOfWorkFactory, incident_id: str) -> int:
    async with uows() as uow:
        pending = await uow.deadlines.pending_for(incident_id)
    return len([d for d in pending if d.kind in LADDER])


async def _at_least(count, n: int) -> bool:  # type: ignore[no-untyped-def]
    return bool(await count() >= n)


async def _all_deadlines(uow, incident_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    query = select(DeadlineRow.state).where(
        DeadlineRow.incident_id == incident_id,
        DeadlineRow.kind.in_([k.value for k in LADDER]),
    )
    return list((await uow.session.execute(query)).scalars())
