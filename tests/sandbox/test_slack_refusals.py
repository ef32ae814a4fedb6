"""The stand-in's refusals that are not a length or a count: ids that must be unique, empty
messages, methods and arguments Slack does not know, and channels the bot may not write to;
plus the pure API a renderer test uses (check_message / check_view / require_accepted)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import gen_methods as gen_slack_methods
from sandbox.slack import rules as slack_rules
from sandbox.slack.api import FakeSlackApi
from sandbox.slack.methods import METHODS
from tests.sandbox.test_slack_rules import actions, button, message, modal, plain, section


async def refused(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as failed:
        await call
    assert failed.value.response.status_code == 200
    return dict(failed.value.response.data)


async def test_block_id_must_be_unique_in_a_message_and_in_a_view(client: AsyncWebClient) -> None:
    one, other = section() | {"block_id": "a"}, section() | {"block_id": "b"}
    await client.chat_postMessage(**message(one, other))
    answer = await refused(client.chat_postMessage(**message(one, one)))
    assert answer["error"] == "invalid_blocks"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] duplicate block_id: a [json-pointer:/blocks/1/block_id]"
    ]
    await client.views_open(**modal(one, other))
    answer = await refused(client.views_open(**modal(one, one)))
    assert answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] duplicate block_id: a [json-pointer:/view/blocks/1/block_id]"
    ]


async def test_action_id_must_be_unique_within_its_block(client: AsyncWebClient) -> None:
    """The report-ready message's share buttons were refused like this on real Slack."""
    await client.chat_postMessage(**actions(button(1), button(2)))
    two_blocks = message(*actions(button(1))["blocks"], *actions(button(1))["blocks"])
    await client.chat_postMessage(**two_blocks)  # the same id in two blocks is fine
    answer = await refused(client.chat_postMessage(**actions(button(1), button(2), button(1))))
    assert answer["error"] == "invalid_blocks"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] duplicate action_id: b1 [json-pointer:/blocks/0/elements/2/action_id]"
    ]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_a_message_needs_text_blocks_or_attachments(client: AsyncWebClient) -> None:
    assert await refused(client.chat_postMessage(channel="C1")) == {"ok": False, "error": "no_text"}
    assert await refused(client.chat_postMessage(channel="C1", text="")) == {
        "ok": False,
        "error": "no_text",
    }
    assert (await client.chat_postMessage(**message(section())))["ok"] is True


async def test_empty_text_in_a_block_is_refused(client: AsyncWebClient) -> None:
    answer = await refused(client.chat_postMessage(**message(section(0))))
    assert answer["errors"] == ["must be more than 0 characters [json-pointer:/blocks/0/text/text]"]


async def test_unknown_methods_and_arguments_are_refused(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    answer = await refused(client.api_call("conversations.setTopik", params={"channel": "C1"}))
    assert answer == {
        "ok": False,
        "error": "unknown_method",
        "req_method": "conversations.setTopik",
    }
    answer = await refused(client.chat_postMessage(channel="C1", text="x", thread="1.2"))
    assert answer == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {
            "messages": ["[ERROR] unknown argument: thread [json-pointer:/thread]"]
        },
    }
    assert slack.messages() == []
    # The newer arguments the 2020 spec lacks are known, and team_id goes with any method.
    posted = await client.chat_postMessage(channel="C1", text="x", metadata={"event_type": "e"})
    await client.chat_update(channel="C1", ts=posted["ts"], text="y", reply_broadcast=False)
    await client.auth_test(team_id="T0MHCLG")


def test_the_method_list_matches_the_stand_in_and_its_generator() -> None:
    """methods.json is generated; a method the stand-in answers but the file lacks would be
    refused as unknown, and a hand-added argument missing from the file would be refused too."""
    known = slack_rules.known_methods()
    assert set(known) == set(METHODS)
    assert set(gen_slack_methods.FROM_SPEC) | set(gen_slack_methods.NEWER) == set(known)
    for method, extra in gen_slack_methods.NEWER.items():
        assert set(extra) | set(gen_slack_methods.ANY_METHOD) <= known[method], method


async def test_the_bot_may_only_write_where_it_is_a_member(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    slack.add_channel("C0PUBLIC", "announcements", members=["U1"])
    slack.add_channel("C0SECRET", "secret", is_private=True, members=["U1"])
    for channel, error in (
        ("C0PUBLIC", "not_in_channel"),
        ("C0SECRET", "channel_not_found"),  # a private channel is invisible to non-members
        ("C0NOWHERE", "channel_not_found"),
    ):
        for call in (
            client.chat_postMessage(channel=channel, text="x"),
            client.chat_postEphemeral(channel=channel, user="U1", text="x"),
            client.conversations_setTopic(channel=channel, topic="t"),
            client.conversations_invite(channel=channel, users=["U2"]),
        ):
            assert await refused(call) == {"ok": False, "error": error}, channel
    posted = await client.chat_postMessage(channel="C1", text="x")
    slack.add_channel("C1", "general", members=["U1"])  # the bot was removed from it
    for call in (
        client.chat_update(channel="C1", ts=posted["ts"], text="y"),
        client.pins_add(channel="C1", timestamp=posted["ts"]),
    ):
        assert await refused(call) == {"ok": False, "error": "not_in_channel"}
    # A direct message to a person needs no channel membership.
    assert (await client.chat_postMessage(channel="U0ASSESSOR1", text="hi"))["ok"] is True
    assert [m["channel"] for m in slack.messages()] == ["C1", "U0ASSESSOR1"]


async def test_an_upload_is_refused_where_the_bot_cannot_post_or_its_comment_is_too_long(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    slack.add_channel("C0PUBLIC", "announcements", members=["U1"])
    upload = client.files_upload_v2(channel="C0PUBLIC", filename="r.pdf", content=b"%PDF-1.4")
    answer = await refused(upload)
    assert answer["error"] == "not_in_channel"
    # slack_sdk sends completeUploadExternal's arguments in the URL, too short for 40,000
    # characters, so the comment's limit is shown with the arguments in a JSON body.
    file_id = (await client.files_getUploadURLExternal(filename="r.pdf", length=8))["file_id"]
    complete = {"files": [{"id": file_id}], "channel_id": "C1"}
    answer = await refused(
        client.api_call(
            "files.completeUploadExternal", json=complete | {"initial_comment": "c" * 40_001}
        )
    )
    assert answer == {"ok": False, "error": "msg_too_long"}
    comment = {"initial_comment": "c" * 40_000}
    await client.api_call("files.completeUploadExternal", json=complete | comment)
    assert [u.channel for u in slack.uploads] == ["C1"]


def test_the_rules_are_usable_without_a_server() -> None:
    good = message(section(3000))
    assert slack_rules.check_message(good) == []
    slack_rules.require_accepted(slack_rules.check_message(good))
    bad = message(section(3001), {"type": "header", "text": plain("h" * 151)})
    problems = slack_rules.check_message(bad)
    assert [p.line for p in problems] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        "[ERROR] must be less than 151 characters [json-pointer:/blocks/1/text/text]",
    ]
    with pytest.raises(slack_rules.SlackRefusal, match="/blocks/1/text/text"):
        slack_rules.require_accepted(problems)
    assert slack_rules.slack_answer(problems)["errors"][0].startswith("must be less than 3001")
    view = modal(title=plain("t" * 25))["view"]
    assert [p.line for p in slack_rules.check_view(view)] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert slack_rules.check_view(modal()["view"]) == []
    untitled = {"type": "modal", "title": plain(""), "blocks": []}
    assert [p.line for p in slack_rules.check_view(untitled)] == [
        "[ERROR] must provide at least 1 items [json-pointer:/view/blocks]",
        "[ERROR] must be more than 0 characters [json-pointer:/view/title/text]",
    ]  # each once, though slack_sdk's View and the text rule both see the empty title
    home = {"type": "home", "blocks": [section()]}
    assert slack_rules.check_view(home) == []
