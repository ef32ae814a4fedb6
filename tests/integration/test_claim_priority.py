"""Among deadlines already due, pages and the contact ladder are claimed before the rest."""

from datetime import timedelta

from bot.domain.deadlines import Deadline, DeadlineKind
from bot.usecases.referral import open_referral
from tests.factories import referral_cmd


async def test_due_pages_and_escalations_are_claimed_before_emails_and_follow_ups(
    uow_factory, ctx, clock
) -> None:
    incident = await open_referral(referral_cmd(clock), uow_factory(), ctx)
    now = clock.now()
    order = [  # (kind, minutes ago it fell due): the oldest first, by due time alone
        (DeadlineKind.UPDATE_PROMPT, 10),
        (DeadlineKind.ACTIVATION_EMAIL, 5),
        (DeadlineKind.CONTACT_REMINDER, 4),
        (DeadlineKind.CONTACT_ESCALATION, 3),
        (DeadlineKind.PROVIDER_PAGE, 1),
    ]
    async with uow_factory() as uow:
        for kind, minutes in order:
            due = now - timedelta(minutes=minutes)
            await uow.deadlines.add(Deadline(ctx.new_id(), incident.id, kind, due, created_at=due))
        await uow.commit()
    claimed = []
    for _ in order:
        async with uow_factory() as uow:
            deadline = await uow.deadlines.claim_next_due(now, "w1")
            assert deadline is not None
            await uow.deadlines.mark_fired(deadline, now)
            await uow.commit()
        claimed.append(deadline.kind)
    assert claimed == [
        DeadlineKind.PROVIDER_PAGE,
        DeadlineKind.CONTACT_REMINDER,  # the ladder by due time: the reminder fell due first
        DeadlineKind.CONTACT_ESCALATION,
        DeadlineKind.UPDATE_PROMPT,  # then the rest by due time
        DeadlineKind.ACTIVATION_EMAIL,
    ]
