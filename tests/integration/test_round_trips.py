"""What a page's firing and a card's read cost the database: the budget issue 15 cut them to,
held so a change that adds a round trip is seen here rather than in a benchmark (each round
trip costs the service about a quarter of a millisecond of CPU, and 500 councils at once
multiply it by thousands).

On PostgreSQL a firing is its claim, one read of the incident with its chain head (the claim
holds the lock), and one statement for its timeline rows, chain head, version and `fired`;
a card's read runs without a transaction. SQLite writes those apart (one writer, no CTEs
worth having), so its budget is only held, not cut."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bot.domain.bindings import Platform
from bot.domain.deadlines import Deadline, DeadlineKind, DeadlineState
from bot.ports.notify import Delivery
from bot.usecases.presence import presence
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes.chat import RecordingChat
from tests.integration.activation_steps import activated, kinds, timeline
from tests.integration.response_steps import RecordingNotifier, scheduler


@contextmanager
def counted(uows: SqlUnitOfWorkFactory) -> Iterator[list[str]]:
    """The statements sent meanwhile (each one round trip), plus BEGIN for each transaction
    the driver opens (its COMMIT or ROLLBACK is one more)."""
    sent: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        sent.append(sql.split(None, 1)[0].upper())

    def begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            sent.append("BEGIN")  # in autocommit the driver sends none

    engine = uows.engine.sync_engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)


async def test_a_page_fires_in_a_few_statements_and_is_recorded_once(uow_factory, ctx) -> None:
    result = await activated(uow_factory, ctx)
    chat = RecordingChat()
    fire = scheduler(uow_factory, ctx, chat, RecordingNotifier())
    postgres = uow_factory.engine.dialect.name == "postgresql"

    with counted(uow_factory) as sent:
        assert await fire.fire_now(result.page_ids) == 1

    # the claim, the incident with its head, then its outcome (one statement on PostgreSQL)
    assert sent == (
        ["BEGIN", "UPDATE", "SELECT", "WITH"]
        if postgres
        else ["BEGIN", "UPDATE", "SELECT", "UPDATE", "INSERT", "INSERT", "UPDATE"]
    )
    assert len(chat.sent) == 1  # the page reached the provider's channel
    events = await timeline(uow_factory, result.incident.id)
    assert kinds(events).count("PageDelivered") == 1
    async with uow_factory() as uow:
        page = await uow.deadlines.get(result.page_ids[0])
    assert page is not None
    assert page.state is DeadlineState.FIRED
    assert page.fired_at is not None


class TextingNotifier(RecordingNotifier):
    """Texts go out too, so every route of an escalation gets through and none is owed."""

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        return Delivery(True, "sms", to, notification_id="t1")


async def test_an_escalation_with_no_retry_owed_reads_no_deadline(uow_factory, ctx, clock) -> None:
    """Each escalation asks whether an earlier level still owes a route a retry, to supersede
    it; almost never is one owed. The incident's locked read answers that in the same
    statement, so the firing sends no query for it (one round trip per level, four per
    incident under the burst)."""
    result = await activated(uow_factory, ctx)
    chat, notifier = RecordingChat(), TextingNotifier()
    fire = scheduler(uow_factory, ctx, chat, notifier)
    [level_1] = [
        d for d in result.deadlines if d.kind is DeadlineKind.CONTACT_ESCALATION and d.level == 1
    ]
    clock.set(level_1.due_at - timedelta(seconds=1))
    assert await fire.fire_due() == 3  # the page, the council's email, the reminder
    clock.set(level_1.due_at)
    postgres = uow_factory.engine.dialect.name == "postgresql"

    with counted(uow_factory) as sent:
        assert await fire.fire_now([level_1.id]) == 1

    events = await timeline(uow_factory, result.incident.id)
    [sent_event] = [e for e in events if e.kind == "EscalationSent"]
    assert all(route["ok"] for route in sent_event.data["routes"])
    # the claim, the incident with its head (and whether a retry is owed), then its outcome
    assert sent == (
        ["BEGIN", "UPDATE", "SELECT", "WITH"]
        if postgres
        else ["BEGIN", "UPDATE", "SELECT", "UPDATE", "INSERT", "INSERT", "UPDATE"]
    )
    assert any("Escalation level 1" in s.message.text for s in chat.sent if s.message)


async def test_a_cards_read_opens_no_transaction_on_postgresql(uow_factory, ctx) -> None:
    result = await activated(uow_factory, ctx)
    postgres = uow_factory.engine.dialect.name == "postgresql"

    with counted(uow_factory) as sent:
        seen = await presence(uow_factory(), ctx, result.incident.id, Platform.SLACK)

    assert seen.incident.id == result.incident.id
    assert len(seen.engagements) == 1
    # incident, channel, invitations, deadlines, both messages at once, engagements, checklist
    assert sent.count("SELECT") == 7
    assert ("BEGIN" in sent) is not postgres


async def test_a_second_firing_compiles_no_statement_again(uow_factory, ctx) -> None:
    """SQLAlchemy compiles a statement once per shape and then reuses it, unless the statement
    has no cache key (a multi-row VALUES has none): then every write compiled it again, a
    seventh of the service's CPU under the burst. The second incident's firing must reuse all."""
    chat, notifier = RecordingChat(), RecordingNotifier()
    first = await activated(uow_factory, ctx)
    assert await scheduler(uow_factory, ctx, chat, notifier).fire_now(first.page_ids) == 1
    second = await activated(uow_factory, ctx)
    compiled: list[str] = []

    def after(_conn: Any, _cursor: Any, sql: str, _p: Any, context: Any, _many: Any) -> None:
        if str(context.cache_hit) != "CacheStats.CACHE_HIT":
            compiled.append(f"{context.cache_hit}: {sql[:80]}")

    engine = uow_factory.engine.sync_engine
    event.listen(engine, "after_cursor_execute", after)
    try:
        assert await scheduler(uow_factory, ctx, chat, notifier).fire_now(second.page_ids) == 1
    finally:
        event.remove(engine, "after_cursor_execute", after)
    assert compiled == []
    assert len(chat.sent) == 2  # both pages reached the provider's channel


async def test_a_pass_claims_what_it_listed_and_ends_without_an_empty_claim(
    uow_factory, ctx, clock
) -> None:
    """A pass reads what is due, then claims each row by id: every transaction it opens fires
    something. It used to claim "the next due" until each of its loops found nothing, and an
    empty claim is a transaction of four round trips, one per loop at the end of every pass."""
    await activated(uow_factory, ctx)
    await activated(uow_factory, ctx)
    fire = scheduler(uow_factory, ctx, RecordingChat(), RecordingNotifier())
    postgres = uow_factory.engine.dialect.name == "postgresql"

    with counted(uow_factory) as sent:
        settled = await fire.fire_due()

    assert settled >= 2  # both pages at least
    assert next(s for s in sent if s != "BEGIN") == "SELECT"  # the list comes first
    assert sent[0] == ("SELECT" if postgres else "BEGIN")  # outside a transaction on PostgreSQL
    if postgres:
        assert sent.count("BEGIN") == settled  # no transaction that claimed nothing
    clock.advance(seconds=1)  # nothing else falls due within a second of activation
    with counted(uow_factory) as sent:
        assert await fire.fire_due() == 0
    assert sent.count("UPDATE") == 0  # nothing claimed in vain
    if postgres:
        assert sent == ["SELECT"]  # the list only; no transaction


async def test_a_retry_added_after_the_locked_read_is_seen_by_the_same_firing(
    uow_factory, ctx
) -> None:
    """The locked read's "no retry owed" holds only until the firing adds one itself."""
    result = await activated(uow_factory, ctx)
    incident_id, now = result.incident.id, ctx.clock.now()
    retry = Deadline(
        id="retry-1",
        incident_id=incident_id,
        kind=DeadlineKind.ESCALATION_RETRY,
        due_at=now,
        level=1,
        payload={"retry_routes": ["incident_channel"]},
        created_at=now,
    )
    async with uow_factory() as uow:
        uow.incidents.held.add(incident_id)  # as a firing's claim leaves it
        assert await uow.incidents.get_for_update(incident_id) is not None
        with counted(uow_factory) as sent:
            assert await uow.deadlines.pending_of_kind(incident_id, retry.kind) == []
        assert sent == []  # answered from the locked read
        await uow.deadlines.add(retry)
        owed = await uow.deadlines.pending_of_kind(incident_id, retry.kind)
        assert [d.id for d in owed] == [retry.id]
