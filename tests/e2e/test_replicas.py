"""Two replicas of the whole service (`python -m bot serve`) on one PostgreSQL database, as
production runs them: started together on an EMPTY database, behind a balancer that alternates
requests between them, one of them killed with SIGKILL in the middle of a burst.

What must hold, asserted from the database and from what Slack received, never from timings
(the waits are hang guards): both start (one migrates, the other waits on the advisory lock);
every referral Slack was answered for is stored exactly once; every page and every step of the
contact ladder is on the timeline exactly once; nothing is pending or sent after contact.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from sqlalchemy import select

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.clock import SystemClock
from bot.domain.deadlines import DeadlineKind, DeadlineState
from bot.domain.timeline import verify
from bot.policy.load import load_policy
from bot.usecases.contact import RecordContact, record_contact
from bot.usecases.context import CoreContext
from sandbox.slack import signed_requests as sr
from sandbox.slack.api import FakeSlackApi
from storage.database import create_engine_for, parse_database_url
from storage.models import DeadlineRow
from storage.uow import SqlUnitOfWorkFactory
from tests.e2e.test_kill_and_restart import free_port, start_service
from tests.factories import KPMG_RESPONDER, TIMELINE_KEY
from tests.integration import waiting
from tests.integration.activation_steps import activated
from tests.integration.slack_harness import ASSESSOR, TRIAGE, referral_submission

DEADLINE = "15s"  # the ladder: reminder at 10 s, escalations at 15, 22.5, 30, 37.5 s
SECRET = "e2e-secret"  # as start_service configures it
ACTIVATED, REFERRALS = 6, 16


class Balancer:
    """Round robin over the replicas; a replica that refuses the connection (killed) is
    skipped, as any HTTP balancer's health check or retry would."""

    def __init__(self, session: aiohttp.ClientSession, ports: list[int]) -> None:
        self.session, self.ports, self.turn = session, ports, 0
        self.answered: Counter[int] = Counter()

    async def send(self, body: str) -> int:
        for _ in range(len(self.ports)):
            port = self.ports[self.turn % len(self.ports)]
            self.turn += 1
            try:
                status, _ = await sr.post(
                    self.session, f"http://127.0.0.1:{port}/slack/events", body, SECRET
                )
            except aiohttp.ClientConnectionError:
                continue
            self.answered[port] += 1
            return status
        raise AssertionError("no replica answered")


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 120) -> None:
    await waiting.until(check, what, seconds)


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_replicas_share_the_work_and_a_killed_one_loses_nothing(database_url) -> None:
    target = parse_database_url(database_url)
    engine = create_engine_for(target)
    uows = SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    ctx = CoreContext(
        clock=SystemClock(), policy=load_policy(DEFAULT_CONFIG_DIR, contact_deadline=DEADLINE)
    )
    async with FakeSlackApi() as slack, aiohttp.ClientSession() as session:
        slack.add_channel(TRIAGE, "cir-triage")
        slack.add_user(ASSESSOR, "T0MHCLG", "Ada Assessor", "ada@mhclg.example")
        for provider in ctx.policy.providers.values():
            slack.add_channel(provider.paging_channel, f"{provider.id}-paging")
        ports = [free_port(), free_port()]
        # started together on an empty database: one migrates, the other waits for it
        a, b = await asyncio.gather(*(start_service(database_url, slack, p) for p in ports))
        try:
            assert a.returncode is None
            assert b.returncode is None
            for port in ports:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as ready:
                    assert ready.status == 200

            # the deadline work: activations whose pages and ladders the replicas fire
            incidents = [(await activated(uows, ctx)).incident.id for _ in range(ACTIVATED)]

            # the request work: a burst of referrals through the balancer; replica A dies
            # with SIGKILL halfway through, and the balancer sends the rest to B
            balancer = Balancer(session, ports)
            for n in range(REFERRALS):
                if n == REFERRALS // 2:
                    a.send_signal(signal.SIGKILL)
                    await a.wait()
                assert await balancer.send(referral_submission(nonce=f"burst-{n}")) == 200
            assert balancer.answered[ports[0]] > 0
            assert balancer.answered[ports[1]] > 0

            async def referrals_stored() -> bool:
                async with uows() as uow:
                    return len(await uow.incidents.list_open()) == ACTIVATED + REFERRALS

            await until(referrals_stored, "every acknowledged referral to be stored")

            async def ladders_at_level_2() -> bool:
                reached = [await levels(uows, i) for i in incidents]
                return all(2 in seen for seen in reached)

            await until(ladders_at_level_2, "the escalations to reach level 2 on B alone")
            for incident_id in incidents:
                contact = RecordContact(KPMG_RESPONDER, incident_id, ctx.clock.now(), "phone")
                await record_contact(contact, uows(), ctx)
        finally:
            for process in (a, b):
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    await asyncio.wait_for(process.wait(), 30)

        async with uows() as uow:
            open_now = list(await uow.incidents.list_open())
            timelines = {i: list(await uow.timeline.for_incident(i)) for i in incidents}
            ladder_rows = list(
                (
                    await uow.session.execute(
                        select(DeadlineRow.incident_id, DeadlineRow.kind, DeadlineRow.state)
                    )
                ).all()
            )
        await engine.dispose()

    # every referral exactly once (one incident per nonce, however many replicas saw it)
    assert len(open_now) == ACTIVATED + REFERRALS
    assert len({str(i.reference) for i in open_now}) == ACTIVATED + REFERRALS
    for incident_id, events in timelines.items():
        assert verify(TIMELINE_KEY, events) == []
        pages = [e for e in events if e.kind == "PageDelivered" and e.data["ok"]]
        assert len(pages) == 1, incident_id
        sent = [e.data["level"] for e in events if e.kind == "EscalationSent"]
        assert sent == sorted(set(sent)), (incident_id, sent)
        assert sent[:2] == [1, 2], (incident_id, sent)
        contact_at = next(e.at for e in events if e.kind == "ContactRecorded")
        assert all(e.at <= contact_at for e in events if e.kind == "EscalationSent")
    ladder = {DeadlineKind.CONTACT_REMINDER, DeadlineKind.CONTACT_ESCALATION}
    assert not [
        row
        for row in ladder_rows
        if row.incident_id in timelines
        and DeadlineKind(row.kind) in ladder | {DeadlineKind.ESCALATION_RETRY}
        and row.state == DeadlineState.PENDING.value
    ]
    # what Slack received: each level's DM once per incident (a message in flight when A was
    # killed could have gone twice: sent, not committed; none was in flight by construction,
    # the kill lands before the first ladder step is due)
    dms = Counter(
        (text.split(" for ")[0], ref)
        for m in slack.messages("U0DUTYMGR")
        for text in [slack.message_text(m)]
        for ref in [r for r in references(timelines) if r in text]
    )
    assert dms, dms
    assert all(n == 1 for n in dms.values()), dms


async def levels(uows: SqlUnitOfWorkFactory, incident_id: str) -> set[int]:
    async with uows() as uow:
        events = await uow.timeline.for_incident(incident_id)
    return {e.data["level"] for e in events if e.kind == "EscalationSent"}


def references(timelines: dict) -> list[str]:
    return [
        str(e.data["reference"])
        for events in timelines.values()
        for e in events
        if e.kind == "ReferralReceived"
    ]
