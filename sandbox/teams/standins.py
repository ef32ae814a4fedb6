"""Both Teams stand-ins started together with one app registered, and the environment a bot
reads to use them (as an operator sets it for a real app registration)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sandbox.teams.connector import FakeBotConnector
from sandbox.teams.identity import App, FakeBotIdentity
from sandbox.teams.rules import MESSAGE_SIZE_LIMIT


class TeamsStandIns:
    """`async with TeamsStandIns() as teams:` gives `teams.identity`, `teams.connector` and
    `teams.app` (registered; single-tenant when `tenant_id` is given)."""

    def __init__(self, *, tenant_id: str = "", size_limit: int = MESSAGE_SIZE_LIMIT) -> None:
        self.identity = FakeBotIdentity()
        self.connector = FakeBotConnector(self.identity, size_limit=size_limit)
        self.app: App = self.identity.register_app(tenant_id=tenant_id)

    @property
    def service_url(self) -> str:
        return self.connector.service_url

    def env(self) -> dict[str, str]:
        """MICROSOFT_* settings pointing the bot at these stand-ins."""
        tenant = self.app.tenant_id
        env = {
            "MICROSOFT_APP_ID": self.app.app_id,
            "MICROSOFT_APP_PASSWORD": self.app.password,
            "MICROSOFT_TOKEN_URL": self.identity.token_url(tenant or "botframework.com"),
            "MICROSOFT_OPENID_METADATA_URL": self.identity.openid_metadata_url,
        }
        if tenant:
            env["MICROSOFT_APP_TENANT_ID"] = tenant
        return env

    async def start(self) -> None:
        await self.identity.start()
        await self.connector.start()

    async def stop(self) -> None:
        await self.connector.stop()
        await self.identity.stop()

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
