"""Firings routed by each organisation's platform, through the real scheduler and database: a
provider on Teams is paged, reminded and escalated to in its Teams conversation, its escalation
contact with a Teams user by a personal chat; what does not reach Teams is on the timeline, is
retried as a deadline row, and MHCLG is told in its Slack triage channel, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from bot.app.chats import Chats
from bot.app.scheduler import DeadlineScheduler
from bot.domain.bindings import Platform
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps, fire
from bot.views.actions import Action
from sandbox.notify.api import FakeNotifyApi
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.fakes.chat import RecordingChat
from tests.integration.activation_steps import activated, quick_notifier
from tests.integration.ladder_rig import DUTY_MANAGER, KPMG_ESCALATION, events_of
from tests.integration.teams_place import TEAMS_USERS, on_teams

TRIAGE = "C0TRIAGE"
KPMG = "provider:kpmg"


@dataclass
class TeamsRig:
    slack: RecordingChat
    teams: RecordingChat
    api: FakeNotifyApi
    scheduler: DeadlineScheduler
    uows: SqlUnitOfWorkFactory

    async def fire_due(self) -> int:
        return await self.scheduler.fire_due()

    async def pending(self, incident_id: str, kind: DeadlineKind) -> list[Deadline]:
        async with self.uows() as uow:
            return [d for d in await uow.deadlines.pending_for(incident_id) if d.kind is kind]


@pytest.fixture
def teams_ctx(ctx: CoreContext) -> CoreContext:
    return replace(ctx, policy=on_teams(ctx.policy, councils=("hackney",), providers=("kpmg",)))


def build(uows, ctx, api, *, teams_configured: bool = True) -> TeamsRig:
    slack, teams = RecordingChat(), RecordingChat()
    ports = (
        {Platform.SLACK: slack, Platform.TEAMS: teams}
        if teams_configured
        else {Platform.SLACK: slack}
    )
    chats = Chats(ports, uows, ctx.policy)  # type: ignore[arg-type]
    deps = FiringDeps(ctx, chats, quick_notifier(api), chats=chats)

    async def handler(deadline: Deadline, uow: SqlUnitOfWork) -> None:
        await fire(deadline, uow, deps)

    scheduler = DeadlineScheduler(uows, ctx.clock, handler, worker_id="w1")
    return TeamsRig(slack, teams, api, scheduler, uows)


@pytest.fixture
async def rig(uow_factory, teams_ctx) -> AsyncIterator[TeamsRig]:
    async with FakeNotifyApi() as api:
        yield build(uow_factory, teams_ctx, api)


async def test_a_provider_on_teams_is_paged_in_its_teams_conversation(
    uow_factory, teams_ctx, rig
) -> None:
    result = await activated(uow_factory, teams_ctx)
    assert await rig.fire_due() == 2  # the page and the council's email
    [page] = rig.teams.to(KPMG)
    assert "assigned KPMG" in page.text
    assert [b.action for b in page.buttons] == [Action.ACKNOWLEDGE_PAGE, Action.CONTACT_MADE]
    assert rig.slack.sent == []  # no Slack paging channel, and MHCLG told of nothing
    [delivered] = await events_of(uow_factory, result.incident.id, "PageDelivered")
    assert delivered["ok"] is True
    assert delivered["route"] == f"fake:channel:{KPMG}"


async def test_a_page_teams_did_not_take_is_on_the_timeline_retried_and_told_once(
    uow_factory, teams_ctx, clock, rig
) -> None:
    result = await activated(uow_factory, teams_ctx)
    incident_id = result.incident.id
    rig.teams.fail(KPMG, times=2, error="no Teams conversation is stored for KPMG")
    await rig.fire_due()
    [failed] = await events_of(uow_factory, incident_id, "PageDelivered")
    assert failed["ok"] is False
    assert failed["gave_up"] is False
    assert "no Teams conversation" in failed["error"]
    [again] = await rig.pending(incident_id, DeadlineKind.PROVIDER_PAGE)
    assert again.payload["failures"] == 1
    assert again.due_at == clock.now() + timedelta(seconds=15)
    [told] = rig.slack.to(TRIAGE)
    assert told.title.startswith("Not delivered on Teams")
    assert "The page to KPMG" in told.text
    assert told.facts[0].value == "no Teams conversation is stored for KPMG"

    clock.advance(seconds=15)
    assert await rig.fire_due() == 1  # fails a second time: recorded, not told again
    clock.advance(seconds=30)
    assert await rig.fire_due() == 1  # the app was added meanwhile
    outcomes = [e["ok"] for e in await events_of(uow_factory, incident_id, "PageDelivered")]
    assert outcomes == [False, False, True]
    assert len(rig.teams.to(KPMG)) == 1
    assert len(rig.slack.to(TRIAGE)) == 1
    assert await rig.pending(incident_id, DeadlineKind.PROVIDER_PAGE) == []


async def test_a_page_is_given_up_at_the_contact_deadline_and_mhclg_told(
    uow_factory, teams_ctx, clock, rig
) -> None:
    result = await activated(uow_factory, teams_ctx)
    rig.teams.fail(KPMG)
    await rig.fire_due()
    clock.advance(minutes=30)
    for _ in range(3):  # the last retry due before the deadline and the ladder now due
        await rig.fire_due()
    pages = await events_of(uow_factory, result.incident.id, "PageDelivered")
    assert pages[-1]["gave_up"] is True
    assert await rig.pending(result.incident.id, DeadlineKind.PROVIDER_PAGE) == []
    said = [m.text for m in rig.slack.to(TRIAGE)]
    assert "keeps trying" in said[0]
    assert any("stopped trying" in t for t in said)


async def test_the_ladder_reaches_a_teams_provider_and_its_contact_by_personal_chat(
    uow_factory, teams_ctx, clock, rig
) -> None:
    result = await activated(uow_factory, teams_ctx)
    await rig.fire_due()
    clock.advance(minutes=20)
    await rig.fire_due()
    assert "Reminder: KPMG" in rig.teams.to(KPMG)[-1].text
    clock.advance(minutes=10)
    await rig.fire_due()
    [personal] = rig.teams.to(TEAMS_USERS["kpmg"])
    assert personal.title.startswith("Contact deadline missed")
    assert rig.slack.to(DUTY_MANAGER[0])  # MHCLG's duty manager on Slack, as before
    # the incident on both platforms: its Slack channel, and its Teams organisations
    assert rig.slack.to(f"incident:{result.incident.id}")
    assert rig.teams.to("council:hackney")[-1].title.startswith("Contact deadline missed")
    assert rig.teams.to(KPMG)[-1].title.startswith("Contact deadline missed")
    [sent] = await events_of(uow_factory, result.incident.id, "EscalationSent")
    keys = {r["route"] for r in sent["routes"] if r["ok"]}
    assert f"fake:person:{TEAMS_USERS['kpmg']}" in keys
    assert rig.slack.to(TRIAGE) == []  # everything reached Teams
    assert rig.api.sent  # SMS and email to the escalation contact still go
    assert any(m["to"] == KPMG_ESCALATION[1] for m in rig.api.sent)


async def test_an_escalation_teams_refused_is_retried_as_a_row_and_told_once(
    uow_factory, teams_ctx, clock, rig
) -> None:
    result = await activated(uow_factory, teams_ctx)
    incident_id = result.incident.id
    await rig.fire_due()
    clock.advance(minutes=30)
    await rig.fire_due()  # the reminder is late now, skipped; no escalation yet failed
    rig.slack.sent.clear()
    rig.teams.fail(TEAMS_USERS["kpmg"], times=1, error="Teams answered 403 (Forbidden)")
    clock.advance(minutes=15)
    await rig.fire_due()  # level 2
    [sent] = [e for e in await events_of(uow_factory, incident_id, "EscalationSent")
              if e["level"] == 2]  # fmt: skip
    [refused] = [r for r in sent["routes"] if not r["ok"]]
    assert refused["error"] == "Teams answered 403 (Forbidden)"
    [retry] = await rig.pending(incident_id, DeadlineKind.ESCALATION_RETRY)
    assert retry.payload["retry_routes"] == [
        "provider_escalation:" + _kpmg_contact(teams_ctx) + ":teams"
    ]
    [told] = rig.slack.to(TRIAGE)
    assert "Escalation level 2" in told.text
    assert "keeps trying" in told.text

    clock.advance(seconds=15)
    await rig.fire_due()
    [retried] = await events_of(uow_factory, incident_id, "EscalationRetried")
    assert [r["ok"] for r in retried["routes"]] == [True]
    assert len(rig.teams.to(TEAMS_USERS["kpmg"])) == 2  # level 1 and level 2's retry
    assert len(rig.slack.to(TRIAGE)) == 1


def _kpmg_contact(ctx: CoreContext) -> str:
    return ctx.policy.providers["kpmg"].escalation_contacts[0].name


async def test_without_teams_configured_the_page_is_recorded_and_mhclg_told(
    uow_factory, teams_ctx
) -> None:
    async with FakeNotifyApi() as api:
        rig = build(uow_factory, teams_ctx, api, teams_configured=False)
        result = await activated(uow_factory, teams_ctx)
        await rig.fire_due()
    [page] = await events_of(uow_factory, result.incident.id, "PageDelivered")
    assert page["ok"] is False
    assert page["gave_up"] is True  # no retry can help
    assert "Microsoft Teams is not configured" in page["error"]
    [told] = rig.slack.to(TRIAGE)
    assert "stopped trying" in told.text
