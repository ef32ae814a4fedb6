"""Type-ahead search of the council register in the referral form (external select: the register
holds more councils than a static menu's 100 options)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from handlers.slack.context import SlackDeps
from handlers.slack.ids import INPUT_ACTION, ReferralInput
from handlers.slack.render.common import plain


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.options({"block_id": ReferralInput.COUNCIL.value, "action_id": INPUT_ACTION})
    async def councils(ack: AsyncAck, payload: dict[str, Any]) -> None:
        query = (payload.get("value") or "").strip().lower()
        matches = [
            c
            for c in sorted(deps.ctx.policy.councils.values(), key=lambda c: c.name)
            if query in c.name.lower() or query in c.id or query in c.region.lower()
        ]
        await ack(options=[{"text": plain(c.name, 75), "value": c.id} for c in matches[:100]])
