"""A deadline firing posts with a client that never retries on its own: it holds the incident's
lock while it sends, so a 429's Retry-After slept inside the client would hold "contact made"
too. Its retries come from the deadline's backoff instead. Everything else retries in-client."""

import asyncio

from bot.ports.chat import OutboundMessage
from handlers.slack.app import close_http_session, open_http_session


async def test_the_firing_client_reports_a_rate_limit_at_once(slack_env) -> None:
    firing_chat = slack_env.container.slack.firing_chat
    slack_env.slack.rate_limit_next("chat.postMessage", retry_after=1)
    delivery = await firing_chat.to_channel("C0KPMGPAGING", OutboundMessage("Escalation"))
    assert not delivery.ok
    assert delivery.error == "Slack answered 429 (ratelimited)"
    assert len(slack_env.slack.calls_to("chat.postMessage")) == 1  # tried once, no retry


async def test_the_listeners_client_waits_out_a_rate_limit_and_delivers(slack_env) -> None:
    chat = slack_env.container.slack.chat
    slack_env.slack.rate_limit_next("chat.postMessage", retry_after=1)
    delivery = await chat.to_channel("C0KPMGPAGING", OutboundMessage("Channel line"))
    assert delivery.ok
    assert len(slack_env.slack.calls_to("chat.postMessage")) == 2  # the 429, then the retry


async def test_a_failure_is_recorded_as_slack_answered_it_even_without_json(slack_env) -> None:
    """A 500 with an HTML page (no JSON error) used to be recorded as "AttributeError"."""
    firing_chat = slack_env.container.slack.firing_chat
    slack_env.slack.server_error_next("chat.postMessage", status=500)
    delivery = await firing_chat.to_channel("C0KPMGPAGING", OutboundMessage("Escalation"))
    assert not delivery.ok
    assert delivery.error == "Slack answered 500"


async def test_a_plain_text_503_is_recorded_as_slack_answered_503(slack_env) -> None:
    """A text/plain 503 (a load balancer's page during an outage) used to raise AttributeError
    inside the Web API client, recorded as "unexpected AttributeError"."""
    firing_chat = slack_env.container.slack.firing_chat
    slack_env.slack.outage(503)
    delivery = await firing_chat.to_channel("C0KPMGPAGING", OutboundMessage("Escalation"))
    assert not delivery.ok
    assert delivery.error == "Slack answered 503"
    slack_env.slack.restore()
    delivery = await firing_chat.to_channel("C0KPMGPAGING", OutboundMessage("Escalation"))
    assert delivery.ok


async def test_a_json_503_names_slacks_error_too(slack_env) -> None:
    firing_chat = slack_env.container.slack.firing_chat
    slack_env.slack.server_error_next("chat.postMessage", status=503)
    delivery = await firing_chat.to_channel("C0KPMGPAGING", OutboundMessage("Escalation"))
    assert delivery.error == "Slack answered 503 (service_unavailable)"


async def test_the_firing_client_gives_up_after_its_own_timeout_not_the_listeners(
    slack_env,
) -> None:
    """Each client's long-lived session carries that client's timeout. With one session for
    both, the firing client waited out the listeners' 10 s instead of its own 5 s while
    holding the incident's lock. (Timeouts shortened here: 1 s for firings, 10 s for the rest.)"""
    deps = slack_env.container.slack
    await close_http_session(deps)
    deps.firing_chat.client.timeout = 1
    await open_http_session(deps)
    assert deps.firing_chat.client.session is not deps.client.session

    slack_env.slack.delay_next("chat.postMessage", seconds=2.5)
    gave_up = await asyncio.wait_for(
        deps.firing_chat.to_channel("C0KPMGPAGING", OutboundMessage("Escalation")), 8
    )
    assert not gave_up.ok
    assert "TimeoutError" in (gave_up.error or ""), gave_up.error
    slack_env.slack.delay_next("chat.postMessage", seconds=2.5)
    waited = await deps.chat.to_channel("C0KPMGPAGING", OutboundMessage("Channel line"))
    assert waited.ok
    assert slack_env.slack.messages("C0KPMGPAGING")[-1]["text"].endswith("Channel line")
