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
from typing import Any

from sqlalchemy import event

from bot.domain.bindings import Platform
from bot.domain.deadlines import DeadlineState
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
