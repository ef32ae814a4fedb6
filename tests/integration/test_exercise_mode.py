"""Exercise mode through the real scheduler, database and stand-ins: at 10x the contact ladder
falls due at a tenth of its real time, still once per step and never after contact; an
exercise's every Slack message and screen, email and text, report page and export says
EXERCISE. Timed by the scaled clock's injected wall source, never by waiting."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from bot.app.export import export_incident
from bot.app.scheduler import WAKE_JOB_ID, DeadlineScheduler
from bot.domain.clock import ScaledClock
from bot.domain.deadlines import DeadlineKind, DeadlineState
from bot.domain.exercise import ServiceMode
from bot.policy.model import Policy
from bot.usecases.contact import RecordContact, record_contact
from bot.usecases.context import CoreContext
from bot.usecases.firing import FiringDeps, fire
from bot.usecases.report_issue import GenerateReport, prepare_report
from handlers.notify.marked import MarkedNotifier
from handlers.report.pdf import render_pdf
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack.api import message_text
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.factories import ASSESSOR, KPMG_RESPONDER
from tests.fakes.chat import RecordingChat
from tests.integration.activation_steps import activated, quick_notifier
from tests.integration.slack_harness import SlackEnv, referral_submission
from tests.integration.test_lessons import closed

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EXERCISE_10X = ServiceMode(exercise=True, speed=10)
DUTY_MANAGER_PHONE = "07700 900100"


class Wall:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def fast(wall: Wall, policy: Policy) -> CoreContext:
    return CoreContext(
        clock=ScaledClock(10, start=START, wall=wall), policy=policy, mode=EXERCISE_10X
    )


@pytest.fixture
async def notify() -> AsyncIterator[FakeNotifyApi]:
    async with FakeNotifyApi() as api:
        yield api


def scheduler_for(
    uows: SqlUnitOfWorkFactory, ctx: CoreContext, api: FakeNotifyApi, chat: RecordingChat
) -> DeadlineScheduler:
    deps = FiringDeps(ctx, chat, MarkedNotifier(quick_notifier(api), ctx.mode))

    async def handler(deadline, uow: SqlUnitOfWork) -> None:
        await fire(deadline, uow, deps)

    return DeadlineScheduler(uows, ctx.clock, handler, worker_id="w1", sweep_seconds=3600)


async def test_at_10x_the_ladder_falls_due_in_a_tenth_of_the_time_once_and_never_after_contact(
    uow_factory, fast, wall, notify
) -> None:
    chat = RecordingChat()
    scheduler = scheduler_for(uow_factory, fast, notify, chat)
    result = await activated(uow_factory, fast)
    assert await scheduler.fire_due() == 2  # the page and the council's email, at once
    page_email = notify.sent[-1]["content"]["subject"]
    assert page_email.startswith("[EXERCISE] ")
    assert "activated" in page_email

    wall.seconds = 119.9  # real seconds: 19 min 59 s of service time
    assert await scheduler.fire_due() == 0
    wall.seconds = 120.0  # 20 service minutes: the reminder
    assert await scheduler.fire_due() == 1
    wall.seconds = 179.9
    assert await scheduler.fire_due() == 0
    wall.seconds = 180.0  # 30 service minutes, 3 real ones: the first escalation, marked
    assert await scheduler.fire_due() == 1
    assert await scheduler.fire_due() == 0
    [sms] = [m["content"]["body"] for m in notify.sent if m["to"] == DUTY_MANAGER_PHONE]
    assert sms.startswith("[EXERCISE] ")
    assert str(result.incident.reference) in sms

    async with uow_factory() as uow:
        rows = [await uow.deadlines.get(d.id) for d in result.deadlines]
    [level1] = [d for d in rows if d and d.kind is DeadlineKind.CONTACT_ESCALATION and d.level == 1]
    assert level1.state is DeadlineState.FIRED
    assert level1.fired_at == START + timedelta(minutes=30)

    at = fast.clock.now()
    cmd = RecordContact(KPMG_RESPONDER, result.incident.id, at, "phone", "Spoke to the CISO")
    await record_contact(cmd, uow_factory(), fast)
    wall.seconds += 3600  # ten service hours later: status prompts may fire, no escalation
    await scheduler.fire_due()
    assert len([m for m in notify.sent if m["to"] == DUTY_MANAGER_PHONE]) == 1
    levels = [
        e.data["level"]
        for e in await _timeline(uow_factory, result.incident.id)
        if e.kind == "EscalationSent"
    ]
    assert levels == [1]  # nothing after contact was recorded


async def _timeline(uows: SqlUnitOfWorkFactory, incident_id: str) -> list:
    async with uows() as uow:
        return list(await uow.timeline.for_incident(incident_id))


async def test_a_wake_up_for_a_deadline_30_service_minutes_away_waits_3_real_minutes(
    uow_factory, fast, notify
) -> None:
    scheduler = scheduler_for(uow_factory, fast, notify, RecordingChat())
    await scheduler.start()
    try:
        scheduler.wake_at(fast.clock.now() + timedelta(minutes=30))
        [job] = [j for j in scheduler._scheduler.get_jobs() if j.id == WAKE_JOB_ID]
        wait = (job.next_run_time - datetime.now(UTC)).total_seconds()
        assert 170 < wait <= 180  # 3 real minutes, not 30
    finally:
        await scheduler.stop()


async def test_an_exercises_report_is_marked_on_every_page_and_its_export_says_so(
    uow_factory, fast
) -> None:
    incident = await closed(uow_factory, fast)
    draft = await prepare_report(GenerateReport(ASSESSOR, incident.id), uow_factory(), fast)
    pages = PdfReader(io.BytesIO(render_pdf(draft.report))).pages
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "EXERCISE - OFFICIAL" in (page.extract_text() or ""), f"page {number}"
    record = await export_incident(uow_factory, str(incident.reference), fast.mode)
    assert record["exercise"] is True
    assert record["marking"].startswith("EXERCISE - OFFICIAL")
    assert "rehearsal" in record["notice"]
    real = await export_incident(uow_factory, str(incident.reference))
    assert real["exercise"] is False
    assert "EXERCISE" not in real["marking"]


@pytest.fixture
def service_env() -> dict[str, str]:
    return {"CIR_EXERCISE": "1", "CIR_SPEED": "10"}


async def test_every_message_and_screen_of_an_exercise_shows_exercise_and_the_speed(
    slack_env: SlackEnv,
) -> None:
    status, _ = await slack_env.send(referral_submission())
    assert status == 200
    shown = [
        c for c in slack_env.slack.calls
        if c.method in {"chat.postMessage", "chat.postEphemeral", "chat.update"}
        or c.method.startswith("views.")
    ]  # fmt: skip
    assert len(shown) >= 3  # the pinned card, the triage card, ...
    for call in shown:
        text = message_text(call.args)
        assert "EXERCISE: a rehearsal, not a real incident" in text, call.method
        assert "service clock 10x: 30 minutes pass in 3" in text, call.method
        if call.method.startswith("chat."):
            assert str(call.args.get("text", "")).startswith("[EXERCISE] "), call.method
