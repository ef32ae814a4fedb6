"""Events API: App Home and Slack Connect invitation outcomes (accepted by the invitee, then, in
workspaces that vet Slack Connect, approved by an admin, or declined). Slack retries events it
thinks failed, so each event id is handled once; every event subscribed in slack/manifest.yml
has a listener here (tests/unit/test_manifest.py), since Slack counts an unhandled one as a
failed delivery and may turn the subscription off."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.domain.bindings import InviteStatus, Platform
from bot.domain.errors import ConcurrencyConflict
from bot.usecases.presence import update_invite_status
from bot.views.headline import month_headline
from bot.views.home import open_incidents
from handlers.acting import Asker, actor_or_none
from handlers.slack.context import SlackDeps
from handlers.slack.listeners.workspaces import learn_workspace
from handlers.slack.render.home import home_view


async def first_delivery(deps: SlackDeps, body: dict[str, Any]) -> bool:
    event_id = body.get("event_id", "")
    if not event_id:
        return True
    async with deps.uow() as uow:
        if await uow.requests.get(f"event:{event_id}") is not None:
            return False
        await uow.requests.remember(f"event:{event_id}", deps.ctx.clock.now(), {})
        try:
            await uow.commit()
        except ConcurrencyConflict:  # a concurrent duplicate won the insert
            return False
    return True


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def publish_home(user_id: str) -> None:
        """Someone Slack cannot confirm sees an empty list, as does anyone outside every
        incident: App Home shows only what the viewer may see."""
        viewer = await actor_or_none(deps, Asker(user_id))
        rows = [] if viewer is None else await open_incidents(deps.uow(), deps.ctx, viewer)
        headline = None if viewer is None else await month_headline(deps.uow(), deps.ctx, viewer)
        await deps.client.views_publish(user_id=user_id, view=home_view(rows, headline))

    @app.event("app_home_opened")
    async def home_opened(ack: AsyncAck, event: dict[str, Any]) -> None:
        await ack()
        if event.get("tab", "home") == "home":
            deps.tasks.spawn(publish_home(event["user"]))

    async def invite_changed(body: dict[str, Any], status: InviteStatus) -> None:
        if not await first_delivery(deps, body):
            return
        invite_id = (body.get("event") or {}).get("invite", {}).get("id", "")
        invite = await update_invite_status(deps.uow(), deps.ctx, Platform.SLACK, invite_id, status)
        if invite is not None:
            await deps.room.refresh(invite.incident_id)
        if status is InviteStatus.ACCEPTED:  # the council's workspace, to confirm with MHCLG
            await learn_workspace(deps, body.get("event") or {})

    @app.event("shared_channel_invite_accepted")
    async def accepted(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(invite_changed(body, InviteStatus.ACCEPTED))

    @app.event("shared_channel_invite_approved")
    async def approved(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(invite_changed(body, InviteStatus.APPROVED))

    @app.event("shared_channel_invite_declined")
    async def declined(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        deps.tasks.spawn(invite_changed(body, InviteStatus.DECLINED))
