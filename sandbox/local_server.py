"""What every local stand-in shares: an aiohttp app on an ephemeral loopback port, started and
stopped around a test (`async with`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from aiohttp import web


class LocalServer(ABC):
    _runner: web.AppRunner | None = None

    @abstractmethod
    async def start(self) -> None:
        """Build the stand-in's routes, then `_serve` them."""

    async def _serve(self, app: web.Application, **runner_options: object) -> str:
        """Serve `app` on 127.0.0.1 and an ephemeral port; returns `http://host:port`."""
        self._runner = web.AppRunner(app, **runner_options)  # type: ignore[arg-type]
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
