"""/metrics scraped after incidents scripted through signed Slack requests, the local Slack and
GOV.UK Notify standing in: the values an operator would read off a dashboard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError

from bot.app.server import READINESS
from bot.domain.states import State
from sandbox.notify.api import FakeNotifyApi
from tests.integration.slack_activation_steps import activated, contact_form, submit
from tests.integration.slack_harness import SlackEnv

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def notify_api() -> AsyncIterator[FakeNotifyApi]:
    async with FakeNotifyApi() as api:
        yield api


async def scrape(env: SlackEnv, token: str = "") -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with env.session.get(env.server.make_url("/metrics"), headers=headers) as answer:
        assert answer.status == 200, await answer.text()
        text = await answer.text()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_a_contact_at_12_minutes_lands_in_the_15_minute_bucket(slack_env) -> None:
    incident_id, _channel = await activated(slack_env)
    before = await scrape(slack_env)
    assert value(before, "cir_time_to_contact_seconds_count", provider="kpmg") == 0
    assert value(before, "cir_incidents", state=State.ACTIVATED.value) == 1

    slack_env.clock.advance(minutes=12)
    assert await submit(slack_env, contact_form(incident_id, slack_env.clock.now())) == {}

    after = await scrape(slack_env)
    bucket = "cir_time_to_contact_seconds_bucket"
    assert value(after, "cir_time_to_contact_seconds_count", provider="kpmg") == 1
    assert value(after, bucket, provider="kpmg", le="600.0") == 0
    assert value(after, bucket, provider="kpmg", le="900.0") == 1
    assert value(after, bucket, provider="kpmg", le="1800.0") == 1  # within the 30-minute line
    # the datetimepicker keeps whole seconds: 12 minutes, give or take the page's second
    assert 719 <= value(after, "cir_time_to_contact_seconds_sum", provider="kpmg") <= 720
    assert value(after, "cir_incidents", state=State.CONTAINMENT.value) == 1
    assert value(after, "cir_incidents", state=State.ACTIVATED.value) == 0
    # the ladder's rows were cancelled with the contact: nothing of it is pending any more
    assert value(after, "cir_deadlines_pending", kind="contact_escalation") == 0
    assert value(after, "cir_escalations_fired_total", level="1") == 0
    # the page and the council's email fired on time (same fake instant)
    assert value(after, "cir_deadline_lateness_seconds_count", kind="provider_page") == 1
    assert value(after, "cir_deadline_lateness_seconds_bucket", kind="provider_page", le="0.5") == 1
    served = value(
        after,
        "cir_http_request_duration_seconds_count",
        route="/slack/events",
        method="POST",
        status="200",
    )
    assert served >= 5  # the referral, the threshold check, the decision, activation, contact


async def test_a_failed_text_counts_once_and_each_escalation_by_its_level(
    slack_env, notify_api
) -> None:
    incident_id, _channel = await activated(slack_env)
    await slack_env.fire_due(minutes=20)  # the reminder
    start = await scrape(slack_env)
    assert value(start, "cir_deadlines_pending", kind="contact_escalation") >= 1
    assert value(start, "cir_deliveries_failed_total", route="text") == 0

    notify_api.fail_next("sms", 500)  # one of the two texts of level 1 is refused
    await slack_env.fire_due(minutes=10)
    level_1 = await scrape(slack_env)
    assert value(level_1, "cir_escalations_fired_total", level="1") == 1
    assert value(level_1, "cir_deliveries_failed_total", route="text") == 1
    assert value(level_1, "cir_deliveries_failed_total", route="email") == 0
    assert value(level_1, "cir_deliveries_failed_total", route="slack") == 0
    assert (
        value(level_1, "cir_api_errors_total", service="notify", method="sms", error="Exception")
        == 1
    )

    await slack_env.fire_due(minutes=15)  # level 2, everything delivered
    level_2 = await scrape(slack_env)
    assert value(level_2, "cir_escalations_fired_total", level="1") == 1
    assert value(level_2, "cir_escalations_fired_total", level="2") == 1
    assert value(level_2, "cir_deliveries_failed_total", route="text") == 1  # still once
    assert value(level_2, "cir_deadline_lateness_seconds_count", kind="contact_escalation") == 2

    # a deadline left unfired past its time reads as overdue at the scrape
    slack_env.clock.advance(minutes=16)
    overdue = await scrape(slack_env)
    assert value(overdue, "cir_deadlines_overdue", kind="contact_escalation") == 1
    assert incident_id  # the incident stays activated: contact was never recorded


async def test_no_incident_content_in_any_label(slack_env) -> None:
    incident_id, channel = await activated(slack_env)
    incident = await slack_env.only_incident()
    async with slack_env.session.get(slack_env.server.make_url("/metrics")) as answer:
        text = await answer.text()
    for secret in (incident_id, channel, str(incident.reference), "hackney", "Hackney", "Hana"):
        assert secret not in text


async def test_slack_refusals_are_counted_by_method_and_error(slack_env) -> None:
    slack_env.refusals_expected = True
    client = slack_env.container.slack.client
    with pytest.raises(SlackApiError, match="channel_not_found"):
        await client.chat_postMessage(channel="C0NOSUCH", text="hello")
    samples = await scrape(slack_env)
    assert (
        value(
            samples,
            "cir_api_errors_total",
            service="slack",
            method="chat.postMessage",
            error="channel_not_found",
        )
        == 1
    )


async def test_404s_share_one_route_label(slack_env) -> None:
    for path in ("/nope", "/CIR-2026-0001", "/admin/../etc"):
        async with slack_env.session.get(slack_env.server.make_url(path)) as answer:
            assert answer.status == 404
    samples = await scrape(slack_env)
    assert (
        value(
            samples,
            "cir_http_request_duration_seconds_count",
            route="unmatched",
            method="GET",
            status="404",
        )
        == 3
    )
    assert all("CIR-2026" not in str(labels) for (_name, labels) in samples)


def test_contact_buckets_include_the_30_minute_line() -> None:
    from handlers.metrics.prometheus import CONTACT_BUCKETS

    assert 1800 in CONTACT_BUCKETS
    assert 900 in CONTACT_BUCKETS
    assert timedelta(seconds=max(CONTACT_BUCKETS)) >= timedelta(hours=2)


async def test_with_a_token_set_a_scrape_without_it_is_refused(database_url) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app.container import build_container
    from bot.app.server import build_web_app
    from bot.app.settings import load_settings
    from tests.factories import TIMELINE_KEY_TEXT

    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,
            "CIR_METRICS_TOKEN": "s3cret-scrape-token",
        }
    )
    app = build_web_app(build_container(settings), start_scheduler=False)
    async with TestClient(TestServer(app)) as client:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": "Basic s3cret-scrape-token"},
            {"Authorization": "Bearer s3cret-scrape-token-and-more"},
            {"Authorization": "Bearer s3cret-scrape-t\u00f6ken"},
        ):
            refused = await client.get("/metrics", headers=headers)
            assert refused.status == 401, headers
            assert "cir_" not in await refused.text()
        good = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
        assert good.status == 200
        assert "cir_incidents" in await good.text()
        assert good.headers["Content-Type"].startswith("text/plain")


async def test_readyz_reports_slack_auth_and_a_refused_token_is_not_ready(slack_env) -> None:
    async with slack_env.session.get(slack_env.server.make_url("/readyz")) as answer:
        body = await answer.json()
        assert answer.status == 200, body
    assert body["checks"]["slack_auth"] == "ok"
    calls = len(slack_env.slack.calls_to("auth.test"))
    async with slack_env.session.get(slack_env.server.make_url("/readyz")) as answer:
        assert answer.status == 200
    assert len(slack_env.slack.calls_to("auth.test")) == calls  # cached, not asked again

    slack_env.refusals_expected = True
    check = slack_env.server.app[READINESS].slack
    check.client.token = "revoked-token"
    check.cache_seconds = 0  # as if the minute had passed
    async with slack_env.session.get(slack_env.server.make_url("/readyz")) as answer:
        body = await answer.json()
        assert answer.status == 503
    assert body["checks"]["slack_auth"] == "refused: invalid_auth"
