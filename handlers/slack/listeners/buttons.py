"""Buttons on cards and messages."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.views.actions import Action
from handlers.slack.askers import of_action
from handlers.slack.context import SlackDeps
from handlers.slack.listeners import flows


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(Action.START_THRESHOLD_CHECK.value)
    @app.action(Action.REASSESS.value)
    async def start_check(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        asker, trigger = of_action(body), body["trigger_id"]
        deps.tasks.spawn_form(flows.start_assessment(deps, asker, action["value"], trigger))

    @app.action(Action.CONFIRM_ACTIVATION.value)
    async def confirm(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(flows.confirm(deps, of_action(body), action["value"]))

    @app.action(Action.RETRY_CHANNEL.value)
    async def retry(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(flows.retry_channel(deps, of_action(body), action["value"]))
