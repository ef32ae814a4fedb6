"""Steps that bring an incident to activation on a real database (the threshold answers, the
assessment, the MoU, the activation itself), shared by the activation, contact ladder and
reporting tests."""

from __future__ import annotations

from datetime import datetime

from bot.domain.actors import Actor, OrgKind
from bot.domain.deadlines import DeadlineKind
from bot.domain.timeline import TimelineEvent
from bot.usecases.activation import ActivateIncident, ActivationResult, activate_incident
from bot.usecases.contact import RecordContact
from bot.usecases.context import CoreContext
from bot.usecases.mou import RecordMou, record_mou
from bot.usecases.referral import open_referral
from bot.usecases.threshold import (
    RecordDecision,
    StartThresholdCheck,
    SubmitAnswers,
    record_decision,
    start_threshold_check,
    submit_answers,
)
from handlers.notify import NotifyNotifier
from sandbox.notify.api import FakeNotifyApi
from storage.uow import SqlUnitOfWorkFactory
from tests.factories import ASSESSOR, COUNCIL_USER, referral_cmd

ANSWERS = {
    "status": ["confirmed"],
    "critical_services": ["benefits"],
    "scope": ["several_systems"],
    "attack_type": ["ransomware"],
    # "no": a "yes" starts the ICO reminders (test_personal_data_learnt), which these tests of
    # activation and the contact ladder would otherwise have to step around
    "personal_data": ["no"],
    "attacker_active": ["unknown"],
    "backups": ["destroyed"],
    "capability": ["no"],
    "spread": ["yes"],
    "restore_time": ["over_3_days"],
    "ncsc_category": ["c3"],
    "reported_to_ncsc": ["yes"],
}


LEEDS_USER = Actor("slack:T0LEEDS:U0LD1", "Lee Leeds", OrgKind.COUNCIL, "leeds")


LADDER = {DeadlineKind.CONTACT_REMINDER, DeadlineKind.CONTACT_ESCALATION}


ANNOUNCEMENTS = {DeadlineKind.PROVIDER_PAGE, DeadlineKind.ACTIVATION_EMAIL}


async def assessed(uows: SqlUnitOfWorkFactory, ctx: CoreContext, decision: str) -> tuple[str, str]:
    """An incident through the threshold check; returns (incident id, assessment id)."""
    incident = await open_referral(referral_cmd(ctx.clock), uows(), ctx)
    await start_threshold_check(StartThresholdCheck(ASSESSOR, incident.id), uows(), ctx)
    assessment, _ = await submit_answers(SubmitAnswers(ASSESSOR, incident.id, ANSWERS), uows(), ctx)
    missing = "Whether backups survived" if decision == "need_more_info" else ""
    await record_decision(
        RecordDecision(ASSESSOR, assessment.id, decision, "Benefits down", missing), uows(), ctx
    )
    return incident.id, assessment.id


async def awaiting_mou(uows: SqlUnitOfWorkFactory, ctx: CoreContext, *, signed: bool) -> str:
    incident_id, _ = await assessed(uows, ctx, "activate")
    if signed:  # the provider's "sent" is covered by the MoU tests; the rota varies here
        await record_mou(RecordMou(COUNCIL_USER, incident_id, "signed"), uows(), ctx)
    return incident_id


async def activated(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, choice: str = "on_duty"
) -> ActivationResult:
    incident_id = await awaiting_mou(uows, ctx, signed=True)
    return await activate_incident(ActivateIncident(ASSESSOR, incident_id, choice), uows(), ctx)


async def timeline(uows: SqlUnitOfWorkFactory, incident_id: str) -> list[TimelineEvent]:
    async with uows() as uow:
        return list(await uow.timeline.for_incident(incident_id))


def kinds(events: list[TimelineEvent]) -> list[str]:
    return [e.kind for e in events]


async def snapshot(uows: SqlUnitOfWorkFactory, incident_id: str) -> tuple[object, ...]:
    """Everything a refused command must leave as it was."""
    async with uows() as uow:
        incident = await uow.incidents.get(incident_id)
        assert incident is not None
        pending = await uow.deadlines.pending_for(incident_id)
        engagements = await uow.engagements.for_incident(incident_id)
        events = await uow.timeline.for_incident(incident_id)
    return (
        incident.state,
        incident.provider_ids,
        sorted(d.id for d in pending),
        engagements,
        len([e for e in events if e.kind != "ActionRefused"]),
    )


def quick_notifier(api: FakeNotifyApi) -> NotifyNotifier:
    """The real adapter on the stand-in, retrying once without waiting."""
    return NotifyNotifier(
        api.api_key,
        api.base_url,
        api.email_template_id,
        api.sms_template_id,
        max_attempts=2,
        base_delay=0.001,
    )


def contact(actor: Actor, incident_id: str, at: datetime, method: str = "phone") -> RecordContact:
    return RecordContact(actor, incident_id, at, method, notes="Spoke to the CISO")
