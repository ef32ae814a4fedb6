"""Type-ahead search of the council register in the referral form (external select: the register
holds more councils than a static menu's 100 options)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.domain.errors import DomainError
from bot.usecases.directory import search_councils
from handlers.acting import Asker
from handlers.slack.context import SlackDeps
from handlers.slack.ids import INPUT_ACTION, ReferralInput
from handlers.slack.render.common import plain


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.options({"block_id": ReferralInput.COUNCIL.value, "action_id": INPUT_ACTION})
    async def councils(ack: AsyncAck, payload: dict[str, Any]) -> None:
        """The register is for MHCLG's CIR team: anyone else (or anyone Slack cannot confirm)
        gets an empty list, the only answer an options request can give."""
        user = payload.get("user") or {}
        asker = Asker(str(user.get("id", "")), str(user.get("team_id", "")))
        try:
            actor = await deps.actor_of(asker)
            matches = search_councils(actor, str(payload.get("value") or ""), deps.ctx)
        except DomainError:  # an options request's only refusal is an empty list
            matches = []
        await ack(options=[{"text": plain(c.name, 75), "value": c.id} for c in matches])
