"""An escalation goes to the duty manager on duty at the minute it fires: a handover at 08:00
London, on the days the clocks change, through the real scheduler and database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain.clock import FakeClock
from bot.policy.model import Contact, DutyShift, Policy
from bot.policy.shifts import LONDON
from bot.usecases.context import CoreContext
from sandbox.notify.api import FakeNotifyApi
from tests.integration.ladder_rig import announced, events_of, rig_for

NIGHT = Contact("Night Manager", "night@mhclg.example", "07700 900201", "U0NIGHT")
DAY = Contact("Day Manager", "day@mhclg.example", "07700 900202", "U0DAY")


def rota(policy: Policy, night: datetime, day: datetime) -> Policy:
    shifts = (DutyShift(night, NIGHT), DutyShift(day, DAY))
    return replace(policy, mhclg=replace(policy.mhclg, duty_rota=shifts))


@pytest.mark.parametrize(
    ("night", "day", "paged_at", "expect"),
    [
        # 29 March 2026: GMT until 01:00 UTC, then BST. Paged 07:35 BST, escalated 08:05 BST.
        ((2026, 3, 28, 20), (2026, 3, 29, 8), (2026, 3, 29, 7, 35), DAY),
        # Paged 07:20 BST, escalated 07:50 BST: still the night.
        ((2026, 3, 28, 20), (2026, 3, 29, 8), (2026, 3, 29, 7, 20), NIGHT),
        # 25 October 2026: BST until 01:00 UTC, then GMT. Paged 07:35 GMT, escalated 08:05 GMT.
        ((2026, 10, 24, 20), (2026, 10, 25, 8), (2026, 10, 25, 7, 35), DAY),
        # Escalated 07:50 GMT (08:50 by the summer clock): still the night.
        ((2026, 10, 24, 20), (2026, 10, 25, 8), (2026, 10, 25, 7, 20), NIGHT),
    ],
)
async def test_escalation_reaches_the_manager_on_duty_at_that_london_minute(
    uow_factory, policy, night, day, paged_at, expect
) -> None:
    clock = FakeClock(datetime(*paged_at).replace(tzinfo=LONDON).astimezone(UTC))
    ctx = CoreContext(
        clock=clock,
        policy=rota(
            policy, datetime(*night).replace(tzinfo=LONDON), datetime(*day).replace(tzinfo=LONDON)
        ),
    )
    async with FakeNotifyApi() as api:
        rig = rig_for(api, uow_factory, ctx)
        try:
            result = await announced(uow_factory, ctx, rig)
            clock.advance(minutes=30)
            assert await rig.fire_due() == 2  # the reminder at 20 minutes, level 1 at 30
        finally:
            await rig.deps.notifier.close()  # type: ignore[attr-defined]
    other = NIGHT if expect is DAY else DAY
    assert len(rig.chat.to(expect.slack_user)) == 1
    assert rig.chat.to(other.slack_user) == []
    assert len(rig.sms_to(expect.phone)) == 1
    assert rig.sms_to(other.phone) == []
    [level1] = await events_of(uow_factory, result.incident.id, "EscalationSent")
    duty = [r for r in level1["routes"] if r["recipient_kind"] == "duty_manager"]
    assert duty
    assert {r["recipient"] for r in duty} == {expect.name}
