"""A command given a CIR reference (typed in /cir) locks the incident as one given its id does,
so two changes to one incident take turns."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.usecases.loading import load_incident
from bot.usecases.referral import open_referral
from storage.database import create_engine_for, parse_database_url
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import TIMELINE_KEY, referral_cmd


async def test_loading_by_reference_for_update_locks_the_row(pg_database_url, ctx, clock) -> None:
    target = parse_database_url(pg_database_url)
    upgrade(target)
    engine = create_engine_for(target)
    uows = SqlUnitOfWorkFactory(engine, TIMELINE_KEY)
    try:
        incident = await open_referral(referral_cmd(clock), uows(), ctx)
        async with uows() as holder:
            await load_incident(holder, str(incident.reference), for_update=True)
            async with uows() as other:
                nowait = text("SELECT id FROM incidents WHERE id = :id FOR UPDATE NOWAIT")
                with pytest.raises(DBAPIError, match="could not obtain lock"):
                    await other.session.execute(nowait, {"id": incident.id})
    finally:
        await engine.dispose()
