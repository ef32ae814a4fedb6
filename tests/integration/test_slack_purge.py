"""The daily retention purge in the whole service with Slack mounted: the day's deadline row,
fired by the service's own scheduler, purges an incident past retention and then redraws its
card in its channel, so the bot's own message no longer shows what people typed."""

from __future__ import annotations

from bot.app.purge import schedule_daily_purge
from bot.domain.states import State
from tests.integration.slack_harness import ASSESSOR, SlackEnv
from tests.integration.slack_response_steps import env as response_env  # noqa: F401
from tests.integration.slack_response_steps import press, state_of, submission, submit
from tests.integration.test_slack_ending import env as env  # the fixture, re-exported
from tests.integration.test_slack_ending import monitored

WHY = "Laptop rebuilt by Priya Patel; no spread after 48 hours."


def last_card(env: SlackEnv, channel: str) -> str:
    drawn = [c for c in env.slack.calls_to("chat.update") if c["channel"] == channel]
    return env.slack.message_text(drawn[-1])


async def test_the_daily_row_purges_and_redraws_the_card(env) -> None:
    incident_id, channel = await monitored(env)
    await press(env, "close_monitoring", incident_id, ASSESSOR, channel)
    form = submission("close_monitoring_form", incident_id, channel, ASSESSOR, reason=WHY)
    assert await submit(env, form) == {}
    assert await state_of(env, incident_id) is State.WITHDRAWN
    assert "Closed before activation" in last_card(env, channel)
    await env.fire_due(days=2 * 366)  # the incident's own reminders, long due: out of the way
    updates = len(env.slack.calls_to("chat.update"))

    assert await schedule_daily_purge(env.container.uow, env.container.ctx) is True
    rows = await env.fire_due(days=1)  # past the next daily_at (03:00 London)
    assert rows == 1
    assert len(env.slack.calls_to("chat.update")) > updates  # redrawn after the commit
    card = last_card(env, channel)
    assert "Purged under the retention policy" in card
    assert "Priya Patel" not in card
    assert "Laptop rebuilt" not in card
