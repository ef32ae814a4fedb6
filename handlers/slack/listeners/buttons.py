"""Buttons on cards and messages."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.views.actions import Action
from handlers.slack.context import SlackDeps
from handlers.slack.listeners import flows


def _who(body: dict[str, Any]) -> tuple[str, str, str]:
    user = body["user"]
    channel = (body.get("channel") or {}).get("id", "")
    return user["id"], user.get("team_id", ""), channel


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(Action.START_THRESHOLD_CHECK.value)
    @app.action(Action.REASSESS.value)
    async def start_check(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, team, channel = _who(body)
        deps.tasks.spawn(
            flows.start_assessment(deps, user, team, channel, action["value"], body["trigger_id"])
        )

    @app.action(Action.CONFIRM_ACTIVATION.value)
    async def confirm(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, team, channel = _who(body)
        deps.tasks.spawn(flows.confirm(deps, user, team, channel, action["value"]))

    @app.action(Action.RETRY_CHANNEL.value)
    async def retry(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user, team, channel = _who(body)
        deps.tasks.spawn(flows.retry_channel(deps, user, team, channel, action["value"]))
