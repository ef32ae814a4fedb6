"""The contact ladder's rig: the real scheduler and firing handlers, the real Notify client against
the local Notify stand-in, and an in-memory chat; and an incident activated and announced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.app.scheduler import DeadlineScheduler
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.usecases.activation import ActivationResult
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps, fire
from sandbox.notify.api import FakeNotifyApi
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.fakes.chat import RecordingChat
from tests.integration.activation_steps import activated, quick_notifier, timeline

LADDER = {DeadlineKind.CONTACT_REMINDER, DeadlineKind.CONTACT_ESCALATION}


KPMG_ESCALATION = ("U0KPMGESC", "07700 900002", "cir-escalation@kpmg.example")


DUTY_MANAGER = ("U0DUTYMGR", "07700 900100", "cir-duty@mhclg.example")


@dataclass
class Rig:
    api: FakeNotifyApi
    chat: RecordingChat
    deps: FiringDeps
    scheduler: DeadlineScheduler | None = None

    async def fire_due(self) -> int:
        assert self.scheduler is not None
        return await self.scheduler.fire_due()

    async def handler(self, deadline: Deadline, uow: SqlUnitOfWork) -> None:
        await fire(deadline, uow, self.deps)

    def sms_to(self, phone: str) -> list[str]:
        return [m["content"]["body"] for m in self.api.sent if m["to"] == phone]

    def emails_to(self, address: str) -> list[str]:
        return [m["content"]["subject"] for m in self.api.sent if m["to"] == address]


def rig_for(api: FakeNotifyApi, uows: SqlUnitOfWorkFactory, ctx: CoreContext) -> Rig:
    notifier = quick_notifier(api)
    chat = RecordingChat()
    rig = Rig(api, chat, FiringDeps(ctx, chat, notifier))
    rig.scheduler = DeadlineScheduler(uows, ctx.clock, rig.handler, worker_id="w1")
    return rig


@pytest.fixture
async def rig(uow_factory, ctx) -> AsyncIterator[Rig]:
    async with FakeNotifyApi() as api:
        made = rig_for(api, uow_factory, ctx)
        yield made
        await made.deps.notifier.close()  # type: ignore[attr-defined]


async def events_of(uows: SqlUnitOfWorkFactory, incident_id: str, kind: str) -> list[dict]:
    return [e.data for e in await timeline(uows, incident_id) if e.kind == kind]


async def deadlines(uows: SqlUnitOfWorkFactory, result: ActivationResult) -> list[Deadline]:
    """The activation's ladder, as stored now."""
    async with uows() as uow:
        found = [await uow.deadlines.get(d.id) for d in ladder_of(result)]
    return [d for d in found if d is not None]


def ladder_of(result: ActivationResult) -> list[Deadline]:
    return [d for d in result.deadlines if d.kind in LADDER]


async def announced(uows: SqlUnitOfWorkFactory, ctx: CoreContext, rig: Rig) -> ActivationResult:
    """Activated, and the page and the council's email sent at once by the scheduler; they are
    then forgotten, so what a test sees next is the ladder's."""
    result = await activated(uows, ctx)
    assert await rig.fire_due() == 2
    assert len(rig.chat.to("C0KPMGPAGING")) == 1
    assert len(rig.api.sent) == 1
    rig.chat.sent.clear()
    rig.api.sent.clear()
    return result
