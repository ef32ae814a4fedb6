"""The sandbox server without a browser: who may call it, what each person is shown, and the
refusals a complete workspace gives as Slack gives them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.serve import Sandbox
from sandbox.slack import workspace as workspace_module
from sandbox.slack.workspace import File
from tests.sandbox.serving import page_token, serving

ASSESSOR, OUTSIDER = "U0ASSESSOR1", "U0MHCLGSTAFF"


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Sandbox, str, aiohttp.ClientSession]]:
    async with serving(tmp_path) as running_sandbox:
        yield running_sandbox


async def _post(
    session: aiohttp.ClientSession, root: str, path: str, body: dict[str, Any], token: str
) -> tuple[int, dict[str, Any]]:
    headers = {"X-Sandbox-Token": token}
    async with session.post(f"{root}/sandbox/api/{path}", json=body, headers=headers) as answer:
        return answer.status, await answer.json()


async def _screen(session: aiohttp.ClientSession, root: str, **query: str) -> dict[str, Any]:
    async with session.get(f"{root}/sandbox/api/screen", params=query) as answer:
        assert answer.status == 200
        found: dict[str, Any] = await answer.json()
        return found


async def test_a_post_without_the_pages_token_or_from_another_host_changes_nothing(
    running: tuple[Sandbox, str, aiohttp.ClientSession],
) -> None:
    sandbox, root, session = running
    before = [m.text for m in sandbox.desk.ws.channels["C0TRIAGE"].messages]
    status, answer = await _post(
        session, root, "say", {"as": ASSESSOR, "channel": "C0TRIAGE", "text": "hi"}, "guess"
    )
    assert status == 403
    assert "Reload" in answer["error"]
    token = await page_token(session, root)
    headers = {"X-Sandbox-Token": token, "Host": "evil.example:3000"}  # DNS rebinding
    body = {"as": ASSESSOR, "channel": "C0TRIAGE", "text": "hi"}
    async with session.post(f"{root}/sandbox/api/say", json=body, headers=headers) as response:
        assert response.status == 403
    assert [m.text for m in sandbox.desk.ws.channels["C0TRIAGE"].messages] == before

    status, _ = await _post(session, root, "say", body, token)
    assert status == 200
    assert sandbox.desk.ws.channels["C0TRIAGE"].messages[-1].text == "hi"


async def test_each_person_sees_only_their_channels_and_files(
    running: tuple[Sandbox, str, aiohttp.ClientSession],
) -> None:
    sandbox, root, session = running
    ws = sandbox.desk.ws
    ws.files["F1"] = File("F1", "report.pdf", "Report", "C0TRIAGE", b"%PDF-1.7 secret")
    mine = await _screen(session, root, **{"as": ASSESSOR, "channel": "C0TRIAGE"})
    assert mine["channel"]["id"] == "C0TRIAGE"
    theirs = await _screen(session, root, **{"as": OUTSIDER, "channel": "C0TRIAGE"})
    assert theirs["channel"] is None
    assert "C0TRIAGE" not in {c["id"] for c in theirs["channels"]}
    async with session.get(f"{root}/sandbox/files/F1", params={"as": OUTSIDER}) as response:
        assert response.status == 404
    async with session.get(f"{root}/sandbox/files/F1", params={"as": ASSESSOR}) as response:
        assert response.status == 200
        assert response.content_type == "application/pdf"
        assert await response.read() == b"%PDF-1.7 secret"
    token = await page_token(session, root)
    status, answer = await _post(
        session, root, "say", {"as": OUTSIDER, "channel": "C0TRIAGE", "text": "x"}, token
    )
    assert status == 409
    assert answer["error"] == "You cannot see that channel."


async def test_a_command_the_app_does_not_declare_is_answered_by_slackbot(
    running: tuple[Sandbox, str, aiohttp.ClientSession],
) -> None:
    sandbox, root, session = running
    token = await page_token(session, root)
    body = {"as": ASSESSOR, "channel": "C0TRIAGE", "text": "/deploy now"}
    assert (await _post(session, root, "say", body, token))[0] == 200
    [line] = [m for m in sandbox.desk.ws.channels["C0TRIAGE"].messages if m.user == "USLACKBOT"]
    assert line.text == "/deploy is not a valid command."
    assert line.ephemeral_to == ASSESSOR
    other = await _screen(session, root, **{"as": "U0ASSESSOR2", "channel": "C0TRIAGE"})
    assert other["channel"]["messages"] == []  # only the person who typed it sees it


async def test_a_complete_workspace_refuses_what_slack_refuses(
    running: tuple[Sandbox, str, aiohttp.ClientSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, _, _ = running
    client = AsyncWebClient(token="xoxb-sandbox", base_url=sandbox.slack.base_url)
    text = {"type": "section", "text": {"type": "plain_text", "text": "Hello"}}
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [text]}

    async def refused(call: Any, **args: Any) -> str:
        with pytest.raises(SlackApiError) as caught:
            await call(**args)
        return str(caught.value.response["error"])

    assert await refused(client.views_open, trigger_id="made-up", view=view) == (
        "invalid_trigger_id"
    )
    trigger = sandbox.desk.ws.new_trigger(ASSESSOR)
    monkeypatch.setattr(workspace_module, "TRIGGER_SECONDS", -1.0)  # three seconds have passed
    assert await refused(client.views_open, trigger_id=trigger, view=view) == "expired_trigger_id"
    monkeypatch.undo()
    await client.views_open(trigger_id=sandbox.desk.ws.new_trigger(ASSESSOR), view=view)
    for _ in range(2):
        await client.views_push(trigger_id=sandbox.desk.ws.new_trigger(ASSESSOR), view=view)
    trigger = sandbox.desk.ws.new_trigger(ASSESSOR)
    assert await refused(client.views_push, trigger_id=trigger, view=view) == "push_limit_reached"
    assert await refused(client.conversations_invite, channel="C0TRIAGE", users="U0NOBODY") == (
        "user_not_found"
    )
    assert await refused(client.chat_postMessage, channel="U0NOBODY", text="hi") == (
        "channel_not_found"
    )
    await client.chat_postMessage(channel=ASSESSOR, text="a DM")  # the bot's DM with a person
    assert sandbox.desk.ws.dm(ASSESSOR).messages[-1].text == "a DM"
