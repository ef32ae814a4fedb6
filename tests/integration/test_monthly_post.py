"""MHCLG's monthly figures post, through the whole service with Slack mounted: scheduled once
however many replicas ask, fired once on the first working day (the clock injected), the
charts uploaded to the triage channel; and the App Home headline of this month so far."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app.monthly_post import schedule_monthly_post
from bot.app.scheduler import DeadlineScheduler
from bot.domain.deadlines import DeadlineKind
from bot.domain.uk_time import LONDON
from bot.domain.working_days import is_working_day
from bot.usecases.firing import fire
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack import signed_requests as sr
from storage.models import DeadlineRow
from tests.integration.slack_activation_steps import activated, contact_form, submit
from tests.integration.slack_harness import ASSESSOR, TRIAGE, SlackEnv

POST_CHARTS = 6  # the figures PDF's charts


@pytest.fixture
async def notify_api() -> AsyncIterator[FakeNotifyApi]:
    async with FakeNotifyApi() as api:
        yield api


async def posts(env: SlackEnv) -> list[Any]:
    """The monthly figures rows, as plain rows (id, state, due_at, payload, attempts)."""
    table = DeadlineRow.__table__
    async with env.container.uow() as uow:
        rows = await uow.session.execute(
            select(table)
            .where(table.c.kind == DeadlineKind.MONTHLY_FIGURES.value)
            .order_by(table.c.due_at)
        )
        return list(rows)


async def contact_at_12_minutes(env: SlackEnv) -> str:
    incident_id, _channel = await activated(env)
    env.clock.advance(minutes=12)
    assert await submit(env, contact_form(incident_id, env.clock.now())) == {}
    return incident_id


async def post_of_this_month(env: SlackEnv) -> Any:
    """The post that carries the month the incidents were opened in: if this month's own post
    is still to come (a test run early on a first working day), that one is fired first."""
    month = f"{env.clock.now().astimezone(LONDON):%Y-%m}"
    await schedule_monthly_post(env.container.uow, env.container.ctx)
    while True:
        pending = [r for r in await posts(env) if r.state == "pending"]
        assert len(pending) == 1
        if pending[0].payload["month"] == month:
            return pending[0]
        env.clock.set(pending[0].due_at)
        await env.fire_due()


def uploaded_to_triage(env: SlackEnv) -> list[str]:
    return [u.filename for u in env.slack.uploads if u.channel == TRIAGE]


async def test_the_figures_post_once_on_the_first_working_day(slack_env, notify_api) -> None:
    await contact_at_12_minutes(slack_env)
    post = await post_of_this_month(slack_env)
    again = await schedule_monthly_post(slack_env.container.uow, slack_env.container.ctx)
    assert again is False  # a second replica starting finds it scheduled
    due = post.due_at.astimezone(LONDON)
    followups = slack_env.container.ctx.policy.followups
    assert (due.hour, due.minute) == (9, 0)
    assert is_working_day(due.date(), followups.bank_holidays)
    assert all(
        not is_working_day(due.date().replace(day=d), followups.bank_holidays)
        for d in range(1, due.day)
    )

    slack_env.clock.set(post.due_at - timedelta(minutes=1))
    await slack_env.fire_due()
    assert uploaded_to_triage(slack_env) == []

    slack_env.clock.set(post.due_at)
    await slack_env.fire_due()
    charts = uploaded_to_triage(slack_env)
    month = post.payload["month"]
    assert charts == [f"cir-figures-{month}-{n}.png" for n in range(1, POST_CHARTS + 1)]
    assert all(u.data.startswith(b"\x89PNG") for u in slack_env.slack.uploads)
    [completed] = slack_env.slack.calls_to("files.completeUploadExternal")
    comment = completed["initial_comment"]
    assert "1 referrals, 1 activated; contact deadlines met 1, missed 0" in comment
    assert "median time to contact 12 min" in comment
    assert "[OFFICIAL]" in comment

    await slack_env.fire_due(hours=6)
    assert len(uploaded_to_triage(slack_env)) == POST_CHARTS  # once
    fired, following = await posts(slack_env)
    assert (fired.id, fired.state) == (post.id, "fired")
    assert following.state == "pending"
    assert following.payload["month"] != month
    nxt = following.due_at.astimezone(LONDON)
    assert nxt.date() > due.date()
    assert nxt.day <= 7
    assert (nxt.hour, nxt.minute) == (9, 0)


async def test_two_workers_at_the_post_time_post_it_once(slack_env) -> None:
    runs = await asyncio.gather(
        *(schedule_monthly_post(slack_env.container.uow, slack_env.container.ctx) for _ in "ab")
    )
    assert sorted(runs) == [False, True]
    [post] = await posts(slack_env)
    deps = slack_env.runtime.firing
    other = DeadlineScheduler(
        slack_env.container.uow,
        slack_env.clock,
        lambda deadline, uow: fire(deadline, uow, deps),
        worker_id="replica-2",
    )
    slack_env.clock.set(post.due_at + timedelta(seconds=1))
    settled = await asyncio.gather(slack_env.runtime.scheduler.fire_due(), other.fire_due())
    await slack_env.tasks.drain(within=15)
    assert sum(settled) == 1  # one of them fired it; next month's post is not due yet
    assert len(slack_env.slack.calls_to("files.completeUploadExternal")) == 1
    assert len(uploaded_to_triage(slack_env)) == POST_CHARTS
    assert [r.state for r in await posts(slack_env)] == ["fired", "pending"]


async def test_a_refused_post_is_retried_not_lost(slack_env) -> None:
    slack_env.refusals_expected = True
    await schedule_monthly_post(slack_env.container.uow, slack_env.container.ctx)
    [post] = await posts(slack_env)
    slack_env.slack.fail_next("files.completeUploadExternal", "not_in_channel")
    await slack_env.fire_due(seconds=(post.due_at - slack_env.clock.now()).total_seconds())
    [still] = await posts(slack_env)
    assert still.state == "pending"
    assert still.attempts == 1
    assert uploaded_to_triage(slack_env) == []
    await slack_env.fire_due(minutes=1)  # after the first backoff (15 s)
    assert len(uploaded_to_triage(slack_env)) == POST_CHARTS
    assert [r.state for r in await posts(slack_env)] == ["fired", "pending"]


async def test_app_home_shows_mhclg_this_months_headline(slack_env, notify_api) -> None:
    await contact_at_12_minutes(slack_env)
    home = {"type": "app_home_opened", "user": ASSESSOR, "tab": "home", "channel": "D1"}
    await slack_env.send(sr.event_callback(home))
    [published] = slack_env.slack.calls_to("views.publish")
    view = json.dumps(published["view"])
    month = f"{slack_env.clock.now().astimezone(LONDON):%B %Y}"
    assert f"{month} so far" in view
    for shown in ("*Incidents*\\n1", "*Contact deadlines met*\\n1", "missed*\\n0", "\\n12 min"):
        assert shown in view, shown

    provider = {"type": "app_home_opened", "user": "U0KPMG1", "tab": "home", "channel": "D2"}
    await slack_env.send(sr.event_callback(provider))
    theirs = json.dumps(slack_env.slack.calls_to("views.publish")[-1]["view"])
    assert "so far" not in theirs
    assert "Contact deadlines met" not in theirs
