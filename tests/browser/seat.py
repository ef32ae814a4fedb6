"""One person at the sandbox page, in a browser tab of their own: what they click and type, in
the words on the screen, and what they should then see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

# Without Playwright every browser test module is skipped, saying why.
expect = pytest.importorskip("playwright.async_api", reason="needs Playwright").expect

WAIT_MS = 20_000  # the machine may be busy; a person would wait this long at most
expect.set_options(timeout=WAIT_MS)


@dataclass
class Seat:
    page: Page
    root: str
    user_id: str

    @classmethod
    async def open(cls, browser: Any, root: str, user_id: str) -> Seat:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("dialog", lambda dialog: dialog.accept())
        seat = cls(page, root, user_id)
        await page.goto(f"{root}/sandbox#as={user_id}")
        await expect(page.locator("#person")).to_have_value(user_id)
        return seat

    async def shot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        await self.page.screenshot(path=str(path))
        return path

    # --- channels and messages -----------------------------------------------------------------

    def channel_link(self, name: str) -> Locator:
        return self.page.locator(f'#channels [data-channel="{name}"]')

    async def channel(self, name: str) -> None:
        await self.channel_link(name).click()
        await expect(self.page.locator("#channel-head h1")).to_contain_text(name)

    async def channel_named(self, pattern: str) -> str:
        """The first channel whose name matches `pattern` (once it appears), opened."""
        await self.page.wait_for_function(
            """pattern => [...document.querySelectorAll('#channels [data-channel]')]
                .some(b => new RegExp(pattern).test(b.dataset.channel))""",
            arg=pattern,
            timeout=WAIT_MS,
        )
        name = await self.page.evaluate(
            """pattern => [...document.querySelectorAll('#channels [data-channel]')]
                .map(b => b.dataset.channel).find(n => new RegExp(pattern).test(n))""",
            pattern,
        )
        await self.channel(str(name))
        return str(name)

    async def say(self, text: str) -> None:
        await self.page.locator("#message").fill(text)
        await self.page.locator("#message").press("Enter")

    def message(self, text: str | re.Pattern[str]) -> Locator:
        return self.page.locator("#messages .msg").filter(has_text=text).last

    async def sees(self, text: str | re.Pattern[str]) -> Locator:
        found = self.message(text)
        await expect(found).to_be_visible()
        return found

    async def press(self, button: str | re.Pattern[str], in_message: str | re.Pattern[str]) -> None:
        role = self.page.get_by_role("button", name=button, exact=isinstance(button, str))
        found = self.page.locator("#messages .msg").filter(has_text=in_message).filter(has=role)
        await found.last.get_by_role("button", name=button, exact=isinstance(button, str)).click()

    async def shortcut_on(self, text: str, shortcut: str) -> None:
        """A message shortcut from the message's "More actions" menu."""
        found = await self.sees(text)
        await found.locator("details.more > summary").click()
        await found.get_by_role("button", name=shortcut, exact=True).click()

    # --- modals --------------------------------------------------------------------------------

    @property
    def modal(self) -> Locator:
        return self.page.locator("#modal")

    async def modal_titled(self, title: str) -> Locator:
        await expect(self.page.locator("#modal-title")).to_have_text(title)
        return self.modal

    def field(self, block_id: str) -> Locator:
        return self.modal.locator(f'.bk-input[data-block="{block_id}"]')

    async def type_in(self, block_id: str, text: str) -> None:
        await self.field(block_id).locator(".text").fill(text)

    async def pick(self, block_id: str, *values: str) -> None:
        select = self.field(block_id).locator("select")
        await select.select_option(value=list(values))

    async def tick(self, block_id: str, value: str) -> None:
        await self.field(block_id).locator(f'input[value="{value}"]').check()

    async def when(self, block_id: str, date: str, time: str) -> None:
        await self.field(block_id).locator("input.date").fill(date)
        await self.field(block_id).locator("input.time").fill(time)

    async def search(self, block_id: str, query: str, choose: str) -> None:
        await self.field(block_id).locator("input.text").fill(query)
        await self.field(block_id).get_by_role("option", name=choose).click()

    async def submit(self) -> None:
        await self.modal.locator('[data-modal="submit"]').click()

    async def modal_closed(self) -> None:
        await expect(self.page.locator("#modal-back")).to_be_hidden()
