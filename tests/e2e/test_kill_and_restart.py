"""The running service, killed with SIGKILL while the contact ladder is pending, then started
again: every step that fell due while it was down fires once, none is lost, none repeats, and
nothing fires after contact is recorded."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.clock import FakeClock, SystemClock
from bot.domain.deadlines import DeadlineKind, DeadlineState
from bot.domain.timeline import verify
from bot.policy.load import load_policy
from bot.usecases.contact import RecordContact, record_contact
from bot.usecases.context import CoreContext
from sandbox.slack.api import FakeSlackApi
from storage.database import create_engine_for, parse_database_url
from storage.migrate import upgrade
from storage.models import DeadlineRow
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import KPMG_RESPONDER, TIMELINE_KEY, TIMELINE_KEY_TEXT
from tests.integration.activation_steps import activated
from tests.integration.waiting import until, within

ROOT = Path(__file__).resolve().parents[2]
SERVE_AT = Path(__file__).with_name("serve_at.py")
# Steps at 2/3 (reminder), 1, 1.5, 2 and 2.5 times the deadline. The first start is killed long
# before the reminder is due, however slow the machine; the service is then started again with
# its clock moved on (serve_at.py), not after waiting: no step races the wall clock.
DEADLINE, MINUTES = "10m", 10
LADDER = {DeadlineKind.CONTACT_REMINDER, DeadlineKind.CONTACT_ESCALATION}
# A safety net, not a speed claim: a start took over 20 s under `stress --cpu 2` at load 12.
STARTS_WITHIN = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_service(
    database_url: str, slack: FakeSlackApi, port: int, at: datetime | None = None
) -> asyncio.subprocess.Process:
    """The service in its own process; with `at`, its clock starts at that instant."""
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
    argv = ["-m", "bot", "serve"] if at is None else [str(SERVE_AT), at.isoformat()]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *argv,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )

    async def listening() -> bool:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        return True

    try:
        await until(listening, "the service to start listening", seconds=STARTS_WITHIN)
    except AssertionError:
        process.kill()
        raise
    return process


async def stop_service(service: asyncio.subprocess.Process) -> None:
    service.send_signal(signal.SIGTERM)
    assert await within(service.wait(), "the service to stop on SIGTERM") == 0


async def test_sigkill_with_pending_deadlines_loses_none_and_repeats_none(
    database_url: str,
) -> None:
    target = parse_database_url(database_url)
    upgrade(target)
    engine = create_engine_for(target)
    uows = SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    policy = load_policy(DEFAULT_CONFIG_DIR, contact_deadline=DEADLINE)
    ctx = CoreContext(clock=SystemClock(), policy=policy)
    async with FakeSlackApi() as slack:
        for provider in ctx.policy.providers.values():  # the bot is in each paging channel
            slack.add_channel(provider.paging_channel, f"{provider.id}-paging")
        result = await activated(uows, ctx)
        incident_id = result.incident.id
        port = free_port()
        service = await start_service(database_url, slack, port)
        service.send_signal(signal.SIGKILL)  # minutes before the reminder is due
        await service.wait()
        assert await ladder_pending(uows, incident_id) == 5, "a step fired before the kill"

        # Back just after the contact deadline: the reminder and level 1 fell due while down.
        back_at = result.notified_at + timedelta(minutes=MINUTES, seconds=1)
        offset = back_at - datetime.now(UTC)  # the restarted service's clock is ahead by this
        service = await start_service(database_url, slack, port, at=back_at)
        try:

            async def fired_count() -> int:
                return 5 - await ladder_pending(uows, incident_id)

            await until(lambda: _at_least(fired_count, 2), "the missed steps to fire")
            now = FakeClock(datetime.now(UTC) + offset)  # the service's time, or just after
            contact = RecordContact(KPMG_RESPONDER, incident_id, now.now(), "phone")
            made = await record_contact(contact, uows(), replace(ctx, clock=now))
        finally:
            await stop_service(service)

        # Back again once every step and the first update prompt are due: the prompt is seen to
        # fire (so a pass ran), and no step of the ladder does after contact.
        [prompt] = made.deadlines
        service = await start_service(
            database_url, slack, port, at=prompt.due_at + timedelta(seconds=1)
        )
        try:
            await until(lambda: _tried(uows, prompt.id), "the update prompt to fire")
        finally:
            await stop_service(service)
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
    assert escalations == [1]
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


async def _tried(uows: SqlUnitOfWorkFactory, deadline_id: str) -> bool:
    async with uows() as uow:
        found = await uow.deadlines.get(deadline_id)
    return found is not None and (found.attempts > 0 or found.state is not DeadlineState.PENDING)


async def ladder_pending(uows: SqlUnitOfWorkFactory, incident_id: str) -> int:
    async with uows() as uow:
        pending = await uow.deadlines.pending_for(incident_id)
    return len([d for d in pending if d.kind in LADDER])


async def _at_least(count: Callable[[], Awaitable[int]], n: int) -> bool:
    return bool(await count() >= n)


async def _all_deadlines(uow: SqlUnitOfWork, incident_id: str) -> list[str]:
    query = select(DeadlineRow.state).where(
        DeadlineRow.incident_id == incident_id,
        DeadlineRow.kind.in_([k.value for k in LADDER]),
    )
    return list((await uow.session.execute(query)).scalars())
