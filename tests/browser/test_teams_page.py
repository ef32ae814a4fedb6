"""The sandbox's Teams page in Chromium: a council on Teams sees the cards posted in its channel
drawn by Microsoft's Adaptive Cards renderer, a click on an Action.Execute button goes to the
bot as Teams' adaptiveCard/action invoke (with the card's inputs), and the card the bot answers
replaces the clicked one for that person; a card listing the person in refresh.userIds is
fetched for them first; hostile text stays text. The bot behind /api/messages is a script here
(it authenticates as the bot does and records what arrives), so what the page sends can be read
exactly; the cards are posted through the bot's own Bot Connector client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from handlers.teams.auth import BotFrameworkAuth, Unauthenticated
from handlers.teams.connector import BotConnector
from handlers.teams.render.escape import user_text
from sandbox.local_server import LocalServer
from sandbox.serve import Sandbox
from sandbox.teams.setup import TeamsSide
from tests.browser.seat import WAIT_MS, expect

pytestmark = pytest.mark.browser
CARD = "application/vnd.microsoft.card.adaptive"
HOSTILE = "<img src=x onerror=\"document.title='owned'\"> **not bold** [link](https://x.test)"


def adaptive(
    body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] = (), **extra: Any
) -> dict:
    card = {"type": "AdaptiveCard", "version": "1.5", "body": body, "actions": list(actions)}
    return card | extra


def text(words: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": words, "wrap": True}


INCIDENT = adaptive(
    [
        text("**CIR-2026-0001** · Bristol City Council"),
        text(user_text(HOSTILE)),  # what a person typed, escaped as the bot escapes it
        {"type": "Input.Text", "id": "note", "label": "Note", "isMultiline": True},
    ],
    [
        {
            "type": "Action.Execute",
            "title": "Acknowledge",
            "verb": "acknowledge",
            "data": {"value": "CIR-2026-0001"},
        }
    ],
)


class ScriptedBot(LocalServer):
    """Where the page's invokes and messages land: authenticated as the bot does, recorded,
    answered with a card saying what was asked."""

    def __init__(self, auth: BotFrameworkAuth) -> None:
        self.auth = auth
        self.received: list[dict[str, Any]] = []
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/messages", self._messages)
        self.url = await self._serve(app) + "/api/messages"

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            await self.auth.verify(request.headers.get("Authorization", ""))
        except Unauthenticated:
            return web.json_response({}, status=401)
        activity = await request.json()
        self.received.append(activity)
        if activity["type"] != "invoke":
            return web.Response(status=200)
        verb = activity["value"]["action"]["verb"]
        who = activity["from"]["name"]
        answer = adaptive([text(f"Answered {verb} for {who}")])
        return web.json_response({"statusCode": 200, "type": CARD, "value": answer})


@pytest.fixture
async def teams_side(sandbox: tuple[Sandbox, str]) -> AsyncIterator[tuple[TeamsSide, ScriptedBot]]:
    running, _ = sandbox
    side = running.teams
    assert side is not None
    assert side.desk is not None
    standins = side.standins
    auth = BotFrameworkAuth(standins.app.app_id, metadata_url=standins.identity.openid_metadata_url)
    async with ScriptedBot(auth) as bot:
        side.desk.bot_url = bot.url
        yield side, bot
    await auth.close()


async def post_card(side: TeamsSide, card: dict[str, Any]) -> str:
    """The bot posts a card in Bristol's channel, through its own connector client."""
    standins = side.standins
    connector = BotConnector(
        app_id=standins.app.app_id,
        app_password=standins.app.password,
        token_url=standins.identity.token_url(),
    )
    channel = side.desk.cast.channels["bristol"] if side.desk else None
    assert channel is not None
    try:
        activity = {"type": "message", "attachments": [{"contentType": CARD, "content": card}]}
        return await connector.send(standins.service_url, channel.id, activity)
    finally:
        await connector.close()


async def open_teams(browser: Any, root: str, side: TeamsSide) -> Any:
    assert side.desk is not None
    person = side.desk.cast.seats[0].person
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await page.goto(f"{root}/sandbox/teams#as={person.user_id}")
    await expect(page.locator("#person")).to_have_value(person.user_id)
    return page


async def test_a_card_is_drawn_and_a_click_is_an_invoke(
    browser: Any,
    sandbox: tuple[Sandbox, str],
    teams_side: tuple[TeamsSide, ScriptedBot],
    shots: Path,
) -> None:
    _, root = sandbox
    side, bot = teams_side
    page = await open_teams(browser, root, side)
    await expect(page.locator("#conversation-head")).to_have_text(
        "Bristol City Council › Cyber incidents"
    )
    posted = await post_card(side, INCIDENT)
    card = page.locator(f'[data-card="{posted}:0"]')
    await expect(card.locator(".ac-adaptiveCard")).to_be_visible()
    await expect(card).to_contain_text("CIR-2026-0001 · Bristol City Council")
    await expect(card.locator("strong")).to_have_text("CIR-2026-0001")  # the bot's Markdown
    # what a person typed shows as typed: Teams' Markdown reads the bot's escapes
    await expect(card).to_contain_text("**not bold** [link](hxxps://x[.]test)")  # defanged
    await expect(card).to_contain_text("<img src=x onerror=\"document.title='owned'\">")
    assert await card.locator("img").count() == 0
    assert await card.locator("a").count() == 0
    assert "\\" not in await card.inner_text()
    assert await page.title() != "owned"
    await card.get_by_label("Note").fill("Called the council's IT lead")
    await page.screenshot(path=str(shots / "teams-card.png"))
    await card.get_by_role("button", name="Acknowledge").click()
    await expect(card).to_contain_text("Answered acknowledge for")
    await expect(card.locator(".for-you-note")).to_be_visible()
    (invoke,) = bot.received
    assert invoke["name"] == "adaptiveCard/action"
    assert invoke["replyToId"] == posted
    assert invoke["value"]["action"]["data"] == {
        "value": "CIR-2026-0001",
        "note": "Called the council's IT lead",
    }


async def test_a_card_refreshed_for_its_listed_viewer(
    browser: Any, sandbox: tuple[Sandbox, str], teams_side: tuple[TeamsSide, ScriptedBot]
) -> None:
    _, root = sandbox
    side, bot = teams_side
    assert side.desk is not None
    person = side.desk.cast.seats[0].person
    refresh = {
        "action": {"type": "Action.Execute", "verb": "refresh", "data": {"value": "CIR-2026-0001"}},
        "userIds": [person.user_id],
    }
    page = await open_teams(browser, root, side)
    posted = await post_card(side, adaptive([text("Everyone sees this")], refresh=refresh))
    card = page.locator(f'[data-card="{posted}:0"]')
    await expect(card).to_contain_text("Answered refresh for")
    assert [a["value"]["action"]["verb"] for a in bot.received] == ["refresh"]


async def test_a_typed_line_is_a_message_to_the_bot(
    browser: Any, sandbox: tuple[Sandbox, str], teams_side: tuple[TeamsSide, ScriptedBot]
) -> None:
    _, root = sandbox
    side, bot = teams_side
    page = await open_teams(browser, root, side)
    await page.locator("#message").fill("status")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#message")).to_have_value("")
    (message,) = bot.received
    assert message["type"] == "message"
    assert message["text"] == "<at>CIR</at> status"
