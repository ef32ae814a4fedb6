"""The sandbox started on a free port for a test, and the page's per-run token its POSTs need."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from sandbox.serve import Sandbox, start_sandbox, stop_sandbox


@asynccontextmanager
async def serving(
    tmp_path: Path, env: Mapping[str, str] | None = None
) -> AsyncIterator[tuple[Sandbox, str, aiohttp.ClientSession]]:
    sandbox, runner = await start_sandbox(
        "127.0.0.1", 0, env=env, database_url=f"sqlite:///{tmp_path / 'sandbox.db'}"
    )
    root = f"http://127.0.0.1:{runner.addresses[0][1]}"
    async with aiohttp.ClientSession() as session:
        yield sandbox, root, session
    await stop_sandbox(sandbox, runner)


async def page_token(session: aiohttp.ClientSession, root: str) -> str:
    async with session.get(f"{root}/sandbox") as page:
        found = re.search(r'name="sandbox-token" content="([^"]+)"', await page.text())
    assert found is not None
    return found.group(1)
