"""Two changes to one incident made from the same version: the second is refused, not lost."""

import pytest

from bot.domain.actors import SYSTEM
from bot.domain.errors import ConcurrencyConflict
from bot.domain.events import NoteAdded
from bot.usecases.referral import open_referral
from tests.factories import referral_cmd


async def test_a_change_from_a_stale_version_is_refused(uow_factory, ctx, clock) -> None:
    incident = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    async with uow_factory() as first, uow_factory() as second:
        a = await first.incidents.get(incident.id)
        b = await second.incidents.get(incident.id)
        assert a is not None
        assert b is not None
        assert a.version == b.version
        a.note(NoteAdded(text="first", source="slash"), SYSTEM, clock.now())
        await first.commit()
        b.note(NoteAdded(text="second", source="slash"), SYSTEM, clock.now())
        with pytest.raises(ConcurrencyConflict):
            await second.commit()
    async with uow_factory() as uow:
        stored = await uow.incidents.get(incident.id)
        notes = [e.data.get("text") for e in await uow.timeline.for_incident(incident.id)]
    assert stored is not None
    assert stored.version == incident.version + 1
    assert "first" in notes
    assert "second" not in notes
