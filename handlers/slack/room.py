"""The incident's room in Slack: the private channel, its pinned card, the triage card and the
Slack Connect invitation. All of it runs after Slack has been acknowledged; the referral is
already stored, so a failure here never loses it: the failure is stored, shown, and retryable.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.bindings import (
    ChannelBinding,
    ChannelStatus,
    Invite,
    InviteStatus,
    MessagePurpose,
    Platform,
    PostedMessage,
)
from bot.ports import UnitOfWorkFactory
from bot.usecases import presence as uc
from bot.usecases.context import CoreContext
from bot.views.card import IncidentCard
from handlers.slack.caches import KeyedLocks, Recent
from handlers.slack.refusals import Refusals, error_code, slack_error
from handlers.slack.render.budget import fallback
from handlers.slack.render.card import card_blocks, card_fallback

log = logging.getLogger(__name__)
SLACK = Platform.SLACK
MAX_NAME = 80


def channel_name(prefix: str, council_slug: str, attempt: int) -> str:
    """`cir-2026-0042-<council>`: lowercase, Slack's allowed characters, at most 80 long."""
    suffix = f"-{attempt}" if attempt > 1 else ""
    slug = re.sub(r"[^a-z0-9-]+", "-", council_slug.lower()).strip("-")
    room = MAX_NAME - len(prefix) - len(suffix) - 1
    return f"{prefix}-{slug[:room].rstrip('-')}{suffix}" if slug else f"{prefix}{suffix}"


class SlackRoom:
    def __init__(self, client: AsyncWebClient, uow: UnitOfWorkFactory, ctx: CoreContext) -> None:
        self.client, self.uow, self.ctx = client, uow, ctx
        self._locks = KeyedLocks()  # per incident, only while in use
        # incident id -> its created channel. A created channel's id never changes (a retry
        # only ever follows a failure), so once seen it is kept while the incident is open:
        # every escalation, reminder and channel message needs it, and loading the whole
        # presence for it cost ten queries. Forgotten when the incident closes.
        self._channels: Recent[ChannelBinding] = Recent()
        self._topics: Recent[str] = Recent()  # incident id -> the topic this process last set
        # refreshes asked for and done, per incident, while any is outstanding (see refresh)
        self._refresh_asked: dict[str, int] = {}
        self._refresh_done: dict[str, int] = {}
        self.refusals = Refusals(client, uow, ctx)
        # the incident's cards on its other platforms, redrawn after Slack's (set by the
        # composition root when Teams is configured)
        self.elsewhere: Callable[[str], Awaitable[None]] | None = None

    async def channel(self, incident_id: str) -> ChannelBinding | None:
        """The incident's Slack channel if it was created; None while it is not (yet)."""
        known = self._channels.get(incident_id)
        if known is not None:
            return known
        binding = await uc.channel_of(self.uow(), incident_id, SLACK)
        if binding is None or binding.status is not ChannelStatus.CREATED:
            return None
        self._channels.put(incident_id, binding)
        return binding

    def forget(self, incident_id: str) -> None:
        """The incident is closed: what this process kept about it goes."""
        self._channels.forget(incident_id)
        self._topics.forget(incident_id)
        self.refusals.forget(incident_id)

    async def open(self, incident_id: str, reporter: str = "", origin_channel: str = "") -> None:
        async with self._locks.hold(incident_id):
            await self._open(incident_id, reporter, origin_channel)
        if self.elsewhere is not None:  # its other platforms (a council on Teams) from the start
            await self.elsewhere(incident_id)

    async def _open(self, incident_id: str, reporter: str, origin_channel: str) -> None:
        p = await uc.presence(self.uow(), self.ctx, incident_id, SLACK)
        incident_id = p.incident.id  # the key may have been a CIR reference
        if p.channel is not None and p.channel.status is ChannelStatus.CREATED:
            # A retry or a duplicate delivery: the room exists; only a failed invitation is
            # tried again.
            await self._invite_council(incident_id, p.channel.channel_id)
            return
        binding = await self._create_channel(
            incident_id, str(p.incident.reference), p.incident.council_id
        )
        if binding.status is ChannelStatus.FAILED:
            await self._post_triage(incident_id)
            await self._tell_reporter_of_failure(
                incident_id, reporter, origin_channel, binding.error
            )
            return
        channel = binding.channel_id
        await self._set_topic(incident_id, channel, self._topic(p))
        await self._invite_team(channel, reporter)
        await self._post_card(incident_id)
        await self._post_triage(incident_id)
        await self._invite_council(incident_id, channel)
        log.info("incident room ready", extra={"incident": str(p.incident.reference)})

    async def _set_topic(self, incident_id: str, channel: str, topic: str) -> None:
        """Only when it changed: Slack posts "set the channel topic" into the channel each
        time, and most refreshes (a note, a checklist item) leave the topic as it was."""
        if self._topics.get(incident_id) == topic:
            return
        if await self._safe("conversations_setTopic", channel=channel, topic=topic) is not None:
            self._topics.put(incident_id, topic)

    def _topic(self, p: uc.IncidentPresence) -> str:
        council = p.council.name if p.council else p.incident.council_id
        i = p.incident
        return f"[{i.marking.value}] {i.reference} · {council} · {i.state.label}"

    async def _create_channel(
        self, incident_id: str, reference: str, council_id: str
    ) -> ChannelBinding:
        prefix = reference.lower()
        now = self.ctx.clock.now
        pending = ChannelBinding(incident_id, SLACK, "", "", ChannelStatus.CREATING, "", now())
        await uc.record_channel(self.uow(), self.ctx, pending)
        error = ""
        for attempt in range(1, 11):
            name = channel_name(prefix, council_id, attempt)
            try:
                response = await self.client.conversations_create(name=name, is_private=True)
            except SlackApiError as exc:
                error = slack_error(exc)
                if error.split(" ", 1)[0] == "name_taken":
                    continue
                break
            except Exception as exc:
                error = f"{type(exc).__name__}"
                break
            channel = response["channel"]
            done = ChannelBinding(
                incident_id, SLACK, channel["id"], channel["name"], ChannelStatus.CREATED, "", now()
            )
            await uc.record_channel(self.uow(), self.ctx, done)
            return done
        failed = ChannelBinding(incident_id, SLACK, "", "", ChannelStatus.FAILED, error, now())
        await uc.record_channel(self.uow(), self.ctx, failed)
        log.warning("channel creation failed", extra={"status": error})
        return failed

    async def _invite_team(self, channel: str, reporter: str) -> None:
        mhclg = self.ctx.policy.mhclg
        users = set(mhclg.team_users)
        if reporter:
            users.add(reporter)
        if mhclg.team_usergroup:
            group = await self._safe("usergroups_users_list", usergroup=mhclg.team_usergroup)
            users.update(group.get("users", []) if group else [])
        if users:
            await self._safe("conversations_invite", channel=channel, users=",".join(sorted(users)))

    async def _post_card(self, incident_id: str) -> None:
        p = await uc.presence(self.uow(), self.ctx, incident_id, SLACK)
        if p.channel is None or p.channel.status is not ChannelStatus.CREATED:
            return
        card = p.card()
        posted = await self._safe(
            "chat_postMessage",
            channel=p.channel.channel_id,
            text=card_fallback(card),
            blocks=card_blocks(card),
        )
        if posted:
            await self._safe("pins_add", channel=posted["channel"], timestamp=posted["ts"])
            message = PostedMessage(
                incident_id, SLACK, MessagePurpose.CARD, posted["channel"], posted["ts"]
            )
            await uc.remember_message(self.uow(), self.ctx, message)

    async def _post_triage(self, incident_id: str) -> None:
        p = await uc.presence(self.uow(), self.ctx, incident_id, SLACK)
        card = p.card()
        triage = self.ctx.policy.mhclg.triage_channel
        if p.triage_message is not None:
            await self._safe(
                "chat_update",
                channel=p.triage_message.channel_id,
                ts=p.triage_message.message_ts,
                text=card_fallback(card),
                blocks=card_blocks(card),
            )
            return
        posted = await self._safe(
            "chat_postMessage", channel=triage, text=card_fallback(card), blocks=card_blocks(card)
        )
        if posted:
            message = PostedMessage(
                incident_id, SLACK, MessagePurpose.TRIAGE_CARD, posted["channel"], posted["ts"]
            )
            await uc.remember_message(self.uow(), self.ctx, message)

    async def _invite_council(self, incident_id: str, channel: str) -> None:
        p = await uc.presence(self.uow(), self.ctx, incident_id, SLACK)
        if p.council is None or not p.council.slack_connect:
            return
        if p.council.platform is not SLACK:  # on Teams: its own conversation, not Slack Connect
            return
        email = p.incident.referral.contact_email
        previous = next((i for i in p.invites if i.email == email), None)
        if previous is not None and previous.status is not InviteStatus.FAILED:
            return  # sent (waiting for acceptance), accepted or declined: nothing to retry
        status, invite_id, error = InviteStatus.SENT, "", ""
        try:
            response = await self.client.conversations_inviteShared(channel=channel, emails=[email])
            invite_id = str(response.get("invite_id", ""))
        except SlackApiError as exc:
            status, error = InviteStatus.FAILED, slack_error(exc)
        except Exception as exc:
            status, error = InviteStatus.FAILED, type(exc).__name__
        invite = Invite(
            previous.id if previous else uuid.uuid4().hex,
            incident_id,
            SLACK,
            email,
            "council",
            p.council.id,
            status,
            invite_id,
            error,
            self.ctx.clock.now(),
        )
        await uc.record_invite(self.uow(), self.ctx, invite)
        await self.refresh(incident_id)

    async def refresh(self, incident_id: str, *, elsewhere: bool = True) -> None:
        """The Slack cards redrawn (`_refresh_once`), then, unless the caller redraws the other
        platforms itself (`elsewhere=False`: the composite chat port), the incident's cards on
        its other platforms (Teams), through `self.elsewhere` when the service set it: every
        flow that redraws an incident on Slack keeps its Teams side showing the same state."""
        await self._refresh_once(incident_id)
        if elsewhere and self.elsewhere is not None:
            await self.elsewhere(incident_id)

    async def _refresh_once(self, incident_id: str) -> None:
        """Bring the pinned card and the triage card up to date with the stored state.

        One refresh per incident at a time, so an older state can never overwrite a newer one,
        and requests that queue behind a running refresh are served by a single next one: a
        refresh that began loading after a request was made shows that request's change (its
        caller committed before asking). Under a burst of changes to one incident its cards
        are drawn once or twice instead of once per change."""
        asked = self._refresh_asked[incident_id] = self._refresh_asked.get(incident_id, 0) + 1
        key = f"refresh:{incident_id}"
        async with self._locks.hold(key):
            try:
                if self._refresh_done.get(incident_id, 0) >= asked:
                    return
                covers = self._refresh_asked[incident_id]
                await self._refresh(incident_id)
                self._refresh_done[incident_id] = covers
            finally:
                if self._locks.users(key) == 1:
                    # nobody else waits, so nobody asked since: no count is needed until
                    # someone asks again, and an incident never refreshed again keeps nothing
                    self._refresh_asked.pop(incident_id, None)
                    self._refresh_done.pop(incident_id, None)

    async def _refresh(self, incident_id: str) -> None:
        p = await uc.presence(self.uow(), self.ctx, incident_id, SLACK)
        card = p.card()
        drawn = card_fallback(card), card_blocks(card)  # once for both messages
        for message, what in ((p.card_message, "incident card"), (p.triage_message, "triage card")):
            if message is not None:
                await self._update_card(p.incident.id, message, card, what, drawn)
        if p.channel is not None and p.channel.status is ChannelStatus.CREATED:
            await self._set_topic(p.incident.id, p.channel.channel_id, self._topic(p))
        if not p.incident.is_open:
            self.forget(p.incident.id)

    async def _update_card(
        self,
        incident_id: str,
        message: PostedMessage,
        card: IncidentCard,
        what: str,
        drawn: tuple[str, list[dict[str, Any]]],
    ) -> None:
        """Redraw a card with `drawn` (its text and blocks); if Slack refuses the blocks, the
        card becomes its one-line text with the reason, so it is never left showing an old
        state as if it were current."""
        where: dict[str, object] = {"channel": message.channel_id, "ts": message.message_ts}
        text, blocks = drawn
        try:
            await self.client.chat_update(
                channel=message.channel_id, ts=message.message_ts, text=text, blocks=blocks
            )
            return
        except SlackApiError as exc:
            error = slack_error(exc)
        except Exception as exc:
            log.warning(
                "slack call failed",
                extra={"event": "chat_update", "status": type(exc).__name__},
                exc_info=True,
            )
            return
        await self.refusals.refused(incident_id, what, error)
        plain = f"{card_fallback(card)} (the full card could not be shown: {error_code(error)})"
        await self._safe("chat_update", **where, text=fallback(plain), blocks=[])

    async def post(
        self, incident_id: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> bool:
        """Post in the incident's channel. False when there is no channel or Slack refused the
        message (the refusal is logged, recorded and told to the person acting)."""
        channel = await self.channel(incident_id)
        if channel is None:
            return False
        try:
            await self.client.chat_postMessage(
                channel=channel.channel_id, text=fallback(text), blocks=blocks
            )
        except SlackApiError as exc:
            await self.refusals.refused(incident_id, "message", slack_error(exc))
            return False
        except Exception as exc:
            log.warning(
                "slack call failed",
                extra={"event": "chat_postMessage", "status": type(exc).__name__},
                exc_info=True,
            )
            return False
        return True

    async def _tell_reporter_of_failure(
        self, incident_id: str, reporter: str, origin_channel: str, error: str
    ) -> None:
        p = await uc.presence(self.uow(), self.ctx, incident_id, SLACK)
        text = (
            f"{p.incident.reference} is saved, but its channel could not be created ({error}). "
            "Use “Retry creating the channel” on the triage card, or `/cir retry "
            f"{p.incident.reference}`."
        )
        if reporter:
            await self._safe("chat_postMessage", channel=reporter, text=text)

    async def _safe(self, method: str, **kwargs: object) -> dict[str, Any] | None:
        """Call the Web API; a failure is logged (no content) and reported as None."""
        try:
            response = await getattr(self.client, method)(**kwargs)
            return dict(response.data) if isinstance(response.data, dict) else None
        except SlackApiError as exc:
            log.warning("slack call failed", extra={"event": method, "status": slack_error(exc)})
        except Exception as exc:
            log.warning(
                "slack call failed",
                extra={"event": method, "status": type(exc).__name__},
                exc_info=True,
            )
        return None
