"""A person never sees "changed by someone else at the same moment" caused by the bot itself.

Seen in acceptance: an assessor answered the threshold check a second after the referral, while
the bot was recording the council's Slack Connect invitation on the same incident, and was
refused. Use cases that change an incident lock it and wait their turn instead of failing on a
version the bot's own write had moved on."""

from __future__ import annotations

import asyncio
import uuid

from bot.domain.actors import SYSTEM
from bot.domain.bindings import Invite, InviteStatus, Platform
from bot.domain.events import InvitationUpdated
from bot.usecases.loading import load_incident
from bot.usecases.presence import record_invite
from bot.usecases.referral import open_referral
from bot.usecases.threshold import (
    StartThresholdCheck,
    SubmitAnswers,
    start_threshold_check,
    submit_answers,
)
from tests.factories import ASSESSOR, referral_cmd
from tests.integration.activation_steps import ANSWERS
from tests.integration.waiting import LockRequests, waiting_on_a_lock


async def test_an_answer_racing_the_bots_own_write_waits_instead_of_failing(
    uow_factory, ctx, clock, monkeypatch
) -> None:
    incident = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    await start_threshold_check(StartThresholdCheck(ASSESSOR, incident.id), uow_factory(), ctx)

    # The bot's write holds the incident (as record_invite does) while the answer arrives.
    holder = uow_factory()
    locks = LockRequests().install(monkeypatch)
    async with holder:
        held = await load_incident(holder, incident.id, for_update=True)
        answer = asyncio.create_task(
            submit_answers(SubmitAnswers(ASSESSOR, incident.id, ANSWERS), uow_factory(), ctx)
        )
        await locks.reach(2, "the answer to ask for the incident's lock")
        await waiting_on_a_lock(uow_factory)
        assert not answer.done(), "the answer must wait for the bot's write, not race it"
        invited = InvitationUpdated(
            platform="slack", organisation="council:hackney", status="sent", error=""
        )
        held.note(invited, SYSTEM, clock.now())
        await holder.commit()
    assessment, _ = await answer

    async with uow_factory() as uow:
        kinds = [e.kind for e in await uow.timeline.for_incident(incident.id)]
    assert kinds[-2:] == ["InvitationUpdated", "ThresholdAssessed"]
    assert assessment.incident_id == incident.id


async def test_recording_an_invitation_during_the_check_keeps_both(uow_factory, ctx, clock) -> None:
    """The real bot write, interleaved both ways with the assessor's two steps."""
    incident = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    invite = Invite(
        uuid.uuid4().hex, incident.id, Platform.SLACK, "it@hackney.gov.uk", "council",
        incident.council_id, InviteStatus.SENT, "I1", "", clock.now(),
    )  # fmt: skip
    await asyncio.gather(
        start_threshold_check(StartThresholdCheck(ASSESSOR, incident.id), uow_factory(), ctx),
        record_invite(uow_factory(), ctx, invite),
    )
    await asyncio.gather(
        submit_answers(SubmitAnswers(ASSESSOR, incident.id, ANSWERS), uow_factory(), ctx),
        record_invite(uow_factory(), ctx, invite),
    )
    async with uow_factory() as uow:
        kinds = [e.kind for e in await uow.timeline.for_incident(incident.id)]
    assert kinds.count("InvitationUpdated") == 2
    assert "ThresholdAssessed" in kinds
