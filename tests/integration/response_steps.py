"""An incident in response on a real database, and the readers and the scheduler that the phase,
status update, checklist, note, lessons and report sharing tests share."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import update

from bot.app.scheduler import DeadlineScheduler
from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.actors import Actor, OrgKind
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent
from bot.policy.followups import load_followups
from bot.ports.notify import Attachment, Delivery, DeliveryState, DeliveryStatus
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps, fire
from bot.usecases.referral import open_referral
from bot.usecases.status_updates import start_response_followups
from storage.models import IncidentRow
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import referral_cmd
from tests.fakes.chat import RecordingChat

FOLLOWUPS = load_followups(DEFAULT_CONFIG_DIR)


CAMDEN_USER = Actor("slack:T0CAMDEN:U0CM1", "Cam Camden", OrgKind.COUNCIL, "camden")


@dataclass
class RecordingNotifier:
    sent: list[tuple[str, str, str]] = field(default_factory=list)
    error: str = ""

    async def send_email(self, to: str, subject: str, body: str, *, reference: str) -> Delivery:
        if self.error:
            return Delivery(False, "email", to, error=self.error)
        self.sent.append((to, subject, body))
        return Delivery(True, "email", to, notification_id=f"n{len(self.sent)}")

    async def send_sms(self, to: str, body: str, *, reference: str) -> Delivery:
        return Delivery(False, "sms", to, error="not used here")

    async def send_file(
        self, to: str, subject: str, body: str, file: Attachment, *, reference: str
    ) -> Delivery:
        return Delivery(False, "email", to, error="not used here")

    async def status(self, notification_id: str) -> DeliveryStatus:
        return DeliveryStatus(DeliveryState.UNKNOWN, "not used here")


async def responding(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, state: State = State.CONTAINMENT, **referral
) -> Incident:
    """An incident KPMG is responding to. Activation is built elsewhere, so the state and the
    provider are set on the row directly."""
    incident = await open_referral(referral_cmd(ctx.clock, **referral), uows(), ctx)
    async with uows() as uow:
        await uow.session.execute(
            update(IncidentRow)
            .where(IncidentRow.id == incident.id)
            .values(state=state.value, provider_ids=["kpmg"])
        )
        await uow.commit()
    return await reload(uows, incident.id)


async def reload(uows: SqlUnitOfWorkFactory, incident_id: str) -> Incident:
    async with uows() as uow:
        incident = await uow.incidents.get(incident_id)
    assert incident is not None
    return incident


async def timeline(uows: SqlUnitOfWorkFactory, incident_id: str) -> list[TimelineEvent]:
    async with uows() as uow:
        return list(await uow.timeline.for_incident(incident_id))


async def events(uows: SqlUnitOfWorkFactory, incident_id: str, kind: str) -> list[TimelineEvent]:
    return [e for e in await timeline(uows, incident_id) if e.kind == kind]


async def pending(
    uows: SqlUnitOfWorkFactory, incident_id: str, kind: DeadlineKind
) -> list[Deadline]:
    async with uows() as uow:
        return [d for d in await uow.deadlines.pending_for(incident_id) if d.kind is kind]


def scheduler(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, chat: RecordingChat, notifier: RecordingNotifier
) -> DeadlineScheduler:
    deps = FiringDeps(ctx=ctx, chat=chat, notifier=notifier)

    async def handler(deadline: Deadline, uow: SqlUnitOfWork) -> None:
        await fire(deadline, uow, deps)

    return DeadlineScheduler(uows, ctx.clock, handler, worker_id="test")


async def refused(uows: SqlUnitOfWorkFactory, incident_id: str) -> list[tuple[str, str]]:
    return [
        (e.actor_id, e.data["action"]) for e in await events(uows, incident_id, "ActionRefused")
    ]


async def start_response_followups_for(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, incident_id: str
) -> Deadline:
    async with uows() as uow:
        incident = await uow.incidents.get_for_update(incident_id)
        assert incident is not None
        deadline = await start_response_followups(incident, uow, ctx, FOLLOWUPS)
        await uow.commit()
    return deadline
