"""`may_open`: the look an edge takes before opening a form gives `authorised`'s answer, in the
same words, but locks and records nothing (the use case decides again on submit)."""

from __future__ import annotations

import pytest

from bot.domain.errors import NotAuthorised
from bot.domain.incident import Incident
from bot.usecases.authz import NOT_YOURS, Who, allowed, may_open
from bot.usecases.context import CoreContext
from bot.usecases.referral import open_referral
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import ASSESSOR, COUNCIL_USER, KPMG_RESPONDER, referral_cmd

REFUSAL = "Only MHCLG's configured CIR assessors can run the threshold check or decide."


async def events(uows: SqlUnitOfWorkFactory, incident: Incident) -> list[str]:
    async with uows() as uow:
        return [e.kind for e in await uow.timeline.for_incident(incident.id)]


async def test_someone_allowed_gets_the_incident_by_id_or_reference(
    uow_factory: SqlUnitOfWorkFactory, ctx: CoreContext
) -> None:
    incident = await open_referral(referral_cmd(ctx.clock), uow_factory(), ctx)
    for key in (incident.id, str(incident.reference)):
        async with uow_factory() as uow:
            found = await may_open(uow, ctx, ASSESSOR, key, Who.ASSESSOR, REFUSAL)
        assert found.id == incident.id


async def test_refusals_use_authorised_words_and_record_nothing(
    uow_factory: SqlUnitOfWorkFactory, ctx: CoreContext
) -> None:
    incident = await open_referral(referral_cmd(ctx.clock), uow_factory(), ctx)
    before = await events(uow_factory, incident)
    cases = [
        (COUNCIL_USER, incident.id, REFUSAL),  # its own council: may see it, so hears why
        (KPMG_RESPONDER, incident.id, NOT_YOURS),  # not put to KPMG: outside it
        (ASSESSOR, "CIR-2026-9999", NOT_YOURS),  # no such incident: the same words
    ]
    for actor, key, words in cases:
        async with uow_factory() as uow:
            with pytest.raises(NotAuthorised) as refused:
                await may_open(uow, ctx, actor, key, Who.ASSESSOR, REFUSAL)
        assert str(refused.value) == words
    assert await events(uow_factory, incident) == before  # no ActionRefused: nothing recorded


async def test_a_rule_nobody_wrote_allows_nobody(
    uow_factory: SqlUnitOfWorkFactory, ctx: CoreContext
) -> None:
    incident = await open_referral(referral_cmd(ctx.clock), uow_factory(), ctx)
    unknown = "no_such_rule"
    assert not allowed(ASSESSOR, incident, unknown, ctx)  # type: ignore[arg-type]
    async with uow_factory() as uow:
        with pytest.raises(NotAuthorised):
            await may_open(uow, ctx, ASSESSOR, incident.id, unknown, REFUSAL)  # type: ignore[arg-type]
