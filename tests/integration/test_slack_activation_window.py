"""The activate form answered within Slack's 3 seconds even when storing the activation waits
(for SQLite's one writer under a mass event, or behind a firing holding the incident's lock):
the form is acknowledged, the activation is stored when it can be, its page goes out at once,
and the assessor is told the outcome in a message."""

from __future__ import annotations

from bot.domain.states import State
from tests.integration.slack_activation_steps import (
    KPMG_PAGING,
    activate_form,
    answer_to,
    awaiting_mou,
    held,
    kinds,
    override_form,
    submit,
)
from tests.integration.slack_activation_steps import notify_api as notify_api  # Notify configured
from tests.integration.slack_harness import ASSESSOR, SlackEnv


def told_assessor(env: SlackEnv) -> list[str]:
    return [c["text"] for c in env.slack.calls_to("chat.postMessage") if c["channel"] == ASSESSOR]


async def test_the_activate_form_is_answered_in_time_when_storing_it_is_slow(
    slack_env, monkeypatch
) -> None:
    """Storing is held until the answer has arrived, so the answer cannot have waited for it;
    then the page goes out without waiting for a sweep, and the assessor is told."""
    incident_id, _ = await awaiting_mou(slack_env)
    await submit(slack_env, override_form(incident_id, "Council's email is compromised."))
    release = held(monkeypatch, "activate_incident")
    status, text = await answer_to(slack_env, activate_form(incident_id, "on_duty"))
    assert status == 200
    assert text == ""
    assert (await slack_env.only_incident()).state is State.AWAITING_MOU  # not stored yet
    assert slack_env.slack.messages(KPMG_PAGING) == []

    release.set()
    await slack_env.tasks.drain(within=30)
    incident = await slack_env.only_incident()
    assert incident.state is State.ACTIVATED
    assert len(slack_env.slack.messages(KPMG_PAGING)) == 1  # paged at once, no sweep run
    [told] = told_assessor(slack_env)
    assert f"{incident.reference} is activated: KPMG paged; contact is due by" in told
    assert "PageDelivered" in kinds(await slack_env.timeline(incident_id))


async def test_a_slow_activation_that_is_refused_is_explained_in_a_message(
    slack_env, monkeypatch
) -> None:
    """The MoU is neither signed nor overridden: refused, said in a message since the form
    has closed, and nothing stored or paged."""
    incident_id, _ = await awaiting_mou(slack_env)
    release = held(monkeypatch, "activate_incident")
    status, text = await answer_to(slack_env, activate_form(incident_id, "on_duty"))
    assert status == 200
    assert text == ""
    release.set()
    await slack_env.tasks.drain(within=30)
    [told] = told_assessor(slack_env)
    assert told.startswith("The activation was not recorded:")
    assert "Memorandum of Understanding" in told
    incident = await slack_env.only_incident()
    assert incident.state is State.AWAITING_MOU
    assert incident.provider_ids == ()
    assert slack_env.slack.messages(KPMG_PAGING) == []
