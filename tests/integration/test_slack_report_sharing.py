"""Sharing the post-incident report from Slack, through signed requests, with the service
configured for the GOV.UK Notify stand-in: the council, MHCLG, NCSC and GC3 each get the PDF as a
Notify file; a failed delivery, asked of Notify by the deadline sweep, shows on the incident card;
a file over Notify's 2 MB is refused in plain words and the Markdown offered instead."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.domain.states import State
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack.api import message_text
from tests.integration.slack_harness import ASSESSOR, SlackEnv
from tests.integration.slack_response_steps import PROVIDER, ephemerals, events, press, state_of
from tests.integration.slack_response_steps import env as env  # the fixture, re-exported
from tests.integration.test_slack_lessons_report import generated


@pytest.fixture
async def notify_api() -> AsyncIterator[FakeNotifyApi]:
    """The service is configured with this Notify (the harness reads the fixture)."""
    async with FakeNotifyApi() as api:
        yield api


def card_text(env: SlackEnv) -> str:
    """The incident card as last drawn in the incident channel."""
    updates = env.slack.calls_to("chat.update")
    assert updates, "the card was never redrawn"
    return message_text(updates[-1])


async def test_the_report_reaches_the_council_mhclg_ncsc_and_gc3_as_files(env, notify_api) -> None:
    incident_id, channel = await generated(env)
    [record] = await events(env, incident_id, "ReportGenerated")
    pdf = next(u.data for u in env.slack.uploads if u.filename.endswith(".pdf"))

    await press(env, "share_report:council", f"{incident_id}:council", PROVIDER, channel)
    assert any("Only MHCLG can share" in t for t in ephemerals(env, PROVIDER))
    assert notify_api.sent == []

    for recipient in ("council", "mhclg", "ncsc", "gc3"):
        await press(
            env, f"share_report:{recipient}", f"{incident_id}:{recipient}", ASSESSOR, channel
        )
    assert [s["to"] for s in notify_api.sent] == [
        "hana@hackney.example",  # the referral's out-of-band contact
        "ciso@hackney.example",  # the register's contact for Hackney
        "cir-reports@mhclg.example",
        "incidents@ncsc.example",
        "gc3-reports@gc3.example",
    ]
    for sent in notify_api.sent:
        upload = notify_api.files[sent["personalisation"]["link_to_file"]]
        assert upload["content"] == pdf
        assert upload["filename"].endswith("-v1.pdf")
        assert record.data["url"] not in sent["content"]["body"]  # never a link into Slack
    shares = await events(env, incident_id, "ReportShared")
    assert {e.data["sha256"] for e in shares} == {record.data["sha256"]}
    assert [e.data["notification_id"] for e in shares] == [s["id"] for s in notify_api.sent]
    texts = env.texts(channel)
    assert any(
        "Ada Assessor shared the post-incident report (version 1, PDF) with London Borough of "
        "Hackney" in t
        for t in texts
    )
    assert await state_of(env, incident_id) is State.REPORT_ISSUED


async def test_a_failed_delivery_shows_on_the_card(env, notify_api) -> None:
    incident_id, channel = await generated(env)
    notify_api.deliver_as("incidents@ncsc.example", "permanent-failure")
    for recipient in ("ncsc", "gc3"):
        await press(
            env, f"share_report:{recipient}", f"{incident_id}:{recipient}", ASSESSOR, channel
        )
    assert "sent, delivery not yet confirmed" in card_text(env)

    await env.fire_due(minutes=1)  # the first delivery check asks Notify
    card = card_text(env)
    assert "NCSC (incidents@ncsc.example): v1 PDF" in card
    assert "FAILED (permanent-failure)" in card
    assert "GC3 (gc3-reports@gc3.example): v1 PDF" in card
    assert ": delivered" in card
    assert any("could not deliver the post-incident report" in t for t in env.texts(channel))
    checked = await events(env, incident_id, "ReportDeliveryChecked")
    assert sorted(e.data["state"] for e in checked) == ["delivered", "failed"]


async def test_over_two_megabytes_is_refused_plainly_and_the_markdown_offered(
    env, notify_api, monkeypatch
) -> None:
    incident_id, channel = await generated(env)
    pdf = next(u.data for u in env.slack.uploads if u.filename.endswith(".pdf"))
    markdown = next(u.data for u in env.slack.uploads if u.filename.endswith(".md"))
    assert len(markdown) < len(pdf)
    # Notify's limit, scaled down to this small report: the PDF is over it, the Markdown under
    limit = (len(markdown) + len(pdf)) // 2
    monkeypatch.setattr("bot.usecases.sharing.FILE_LIMIT_BYTES", limit)
    monkeypatch.setattr("handlers.slack.listeners.report.FILE_LIMIT_BYTES", limit)

    await press(env, "share_report:ncsc", f"{incident_id}:ncsc", ASSESSOR, channel)
    assert notify_api.sent == []
    assert not await events(env, incident_id, "ReportShared")
    [offer] = [m for m in env.slack.messages(channel) if "nothing was sent" in message_text(m)]
    assert "GOV.UK Notify sends files of up to 2 MB by email" in message_text(offer)
    assert "The Markdown version is" in message_text(offer)
    [button] = [e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == (
        "share_report:ncsc.md",
        f"{incident_id}:ncsc:md",
    )

    await press(env, button["action_id"], button["value"], ASSESSOR, channel)
    [sent] = notify_api.sent
    upload = notify_api.files[sent["personalisation"]["link_to_file"]]
    assert upload["content"] == markdown
    assert upload["filename"].endswith("-v1.txt")
    [shared] = await events(env, incident_id, "ReportShared")
    assert (shared.data["format"], shared.data["ok"]) == ("md", True)


async def test_a_share_button_value_the_bot_did_not_make_changes_nothing(env, notify_api) -> None:
    incident_id, channel = await generated(env)
    await press(env, "share_report:ncsc", f"{incident_id}:ncsc:exe", ASSESSOR, channel)
    await press(env, "share_report:ncsc", f"{incident_id}:camden", ASSESSOR, channel)
    told = ephemerals(env, ASSESSOR)
    assert any("not one the bot made" in t for t in told)
    assert any("not 'camden'" in t for t in told)
    assert notify_api.sent == []
    assert not await events(env, incident_id, "ReportShared")
