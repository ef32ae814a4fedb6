"""The Teams side of the core's ChatPort: how pages, escalations, mirrored lines and the incident
card reach councils and providers on Microsoft Teams without being spoken to first.

Teams gives the bot no incident channel. Each organisation on Teams has the one conversation its
app was installed in (`uow.conversations.of_org`, stored by the Teams edge when it learnt it), so:
- `to_incident` posts in the conversation of each Teams organisation taking part (the council
  if on Teams, each assigned provider on Teams);
- `to_channel` takes an organisation as `Actor.organisation` spells it (`provider:kpmg`): a
  provider's page or escalation goes to its conversation;
- `to_person` takes a contact's Entra object id and opens (or finds: Teams answers the same id)
  the 1:1 chat in the tenant config gives the contact's organisation;
- `refresh_incident` redraws the incident card in each of those conversations in place (the
  activity id is stored per conversation, `uow.teams_cards`), posting it the first time;
- `invite_provider` brings a Teams provider in by posting the incident card in its conversation.

Every failure is a value (`ChatDelivery`), with the words the timeline and MHCLG are shown: an
organisation whose app is not installed yet, Teams' refusal with its status and code, or no
answer. Throttling (429, 412, 502, 504) has been retried by the connector by then. A refusal of
the same activity that will never change (400, 413) is final; the rest can succeed later (the
app installed again, Teams back) and the caller retries them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.actors import OrgKind
from bot.domain.bindings import Platform
from bot.domain.conversations import ConversationRef, ConversationType
from bot.domain.teams_cards import TeamsCard
from bot.ports import UnitOfWorkFactory
from bot.ports.chat import ChatDelivery, OutboundMessage
from bot.usecases import presence as uc
from bot.usecases.context import CoreContext
from bot.usecases.loading import load_incident
from bot.usecases.platforms import (
    TeamsOrganisation,
    teams_home_of,
    teams_organisation_of,
    teams_organisations,
)
from bot.views.card import IncidentCard
from handlers.teams.connector import BotConnector, ConnectorError
from handlers.teams.render import attachment, incident_card, outbound_card
from handlers.teams.render.outbound import outbound_summary

log = logging.getLogger(__name__)

NEVER_ACCEPTED = frozenset({400, 413})  # the same activity will be refused whatever happens
Card = dict[str, Any]


@dataclass(frozen=True)
class TeamsCards:
    """The Adaptive Card renderers (handlers.teams.render), injectable for tests."""

    incident: Callable[[IncidentCard, Sequence[str]], Card] = incident_card
    outbound: Callable[[OutboundMessage], Card] = outbound_card


NO_SERVICE_URL = (
    "no Bot Connector address for this person's organisation yet: it has not added the CIR app "
    "in Teams, and config gives no teams.service_url"
)


def teams_error(exc: ConnectorError) -> str:
    if exc.status == 0:
        return f"could not reach Teams ({exc.code})"
    return f"Teams answered {exc.status} ({exc.code})"


def message_activity(card: Card, summary: str = "") -> dict[str, Any]:
    activity: dict[str, Any] = {"type": "message", "attachments": [attachment(card)]}
    if summary:
        activity["summary"] = summary
    return activity


class TeamsChat:
    def __init__(
        self,
        connector: BotConnector,
        uow: UnitOfWorkFactory,
        ctx: CoreContext,
        *,
        app_id: str,
        cards: TeamsCards | None = None,
    ) -> None:
        self.connector, self.uow, self.ctx = connector, uow, ctx
        self.bot_id = f"28:{app_id}"
        self.cards = cards or TeamsCards()
        # one redraw of an incident's cards at a time in this process, so an older state never
        # overwrites a newer one here (each redraw reads the state after taking its turn)
        # (kept only while in use: the lock and how many redraws hold or wait for it)
        self._redraws: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    # --- where -------------------------------------------------------------------------------

    async def _conversation(self, org: TeamsOrganisation) -> ConversationRef | None:
        async with self.uow() as uow:
            return await uow.conversations.of_org(org.kind.value, org.id)

    @staticmethod
    def _not_installed(org: TeamsOrganisation) -> ChatDelivery:
        return ChatDelivery(
            False,
            f"teams:{org.organisation}",
            f"no Teams conversation is stored for {org.name}: the CIR app has not been added "
            "to its team or chat yet",
        )

    async def _post(
        self, org: TeamsOrganisation, message: OutboundMessage, route: str = ""
    ) -> ChatDelivery:
        ref = await self._conversation(org)
        if ref is None:
            return self._not_installed(org)
        route = route or f"teams:{ref.conversation_id}"
        return await self._deliver(ref, message, route)

    async def _deliver(
        self, ref: ConversationRef, message: OutboundMessage, route: str
    ) -> ChatDelivery:
        activity = message_activity(self.cards.outbound(message), outbound_summary(message))
        try:
            await self.connector.send(ref.service_url, ref.conversation_id, activity)
        except ConnectorError as exc:
            final = exc.final and exc.status in NEVER_ACCEPTED
            return ChatDelivery(False, route, teams_error(exc), final=final)
        return ChatDelivery(True, route)

    async def _organisations(self, incident_id: str) -> list[TeamsOrganisation]:
        async with self.uow() as uow:
            incident = await load_incident(uow, incident_id)
        return teams_organisations(incident, self.ctx.policy)

    # --- ChatPort ----------------------------------------------------------------------------

    async def to_incident(self, incident_id: str, message: OutboundMessage) -> ChatDelivery:
        orgs = await self._organisations(incident_id)
        if not orgs:
            return ChatDelivery(
                False, "teams:incident", "no organisation of the incident is on Teams", final=True
            )
        deliveries = await asyncio.gather(*(self._post(o, message) for o in orgs))
        failed = [d for d in deliveries if not d.ok]
        # delivered if any organisation got it (a retry would post again to the others); what
        # must reach each for sure is sent to each (`to_channel`) by the firing
        return ChatDelivery(
            ok=len(failed) < len(deliveries),
            route="+".join(d.route for d in deliveries),
            error="; ".join(d.error for d in failed),
            final=bool(failed) and all(d.final for d in failed),
        )

    async def to_channel(self, channel: str, message: OutboundMessage) -> ChatDelivery:
        org = teams_organisation_of(channel, self.ctx.policy)
        if org is None:
            return ChatDelivery(
                False, f"teams:{channel}", f"{channel} is not an organisation on Teams", final=True
            )
        return await self._post(org, message)

    async def to_person(self, user: str, message: OutboundMessage) -> ChatDelivery:
        route = f"teams:dm:{user}"
        if not user:
            return ChatDelivery(False, "teams:dm", "no Teams user configured", final=True)
        home = teams_home_of(user, self.ctx.policy)
        if home is None or home.place is None:
            return ChatDelivery(
                False, route, "no Teams tenant is configured for this person", final=True
            )
        # Teams' own advice: the serviceUrl its last activity gave, when config names none
        service_url = home.place.service_url
        if not service_url:
            stored = await self._conversation(home)
            service_url = stored.service_url if stored is not None else ""
        if not service_url:  # retried: the app being added to the team gives one
            return ChatDelivery(False, route, NO_SERVICE_URL)
        try:
            conversation = await self.connector.create_personal(
                service_url, home.place.tenant_id, self.bot_id, user
            )
        except ConnectorError as exc:
            final = exc.final and exc.status in NEVER_ACCEPTED
            return ChatDelivery(False, route, teams_error(exc), final=final)
        ref = ConversationRef(
            org_kind=home.kind.value,
            org_id=home.id,
            tenant_id=home.place.tenant_id,
            conversation_id=conversation,
            service_url=service_url,
            conversation_type=ConversationType.PERSONAL,
            bot_id=self.bot_id,
            user_id=user,
        )
        return await self._deliver(ref, message, route)

    async def invite_provider(self, incident_id: str, provider_id: str) -> ChatDelivery:
        """A Teams provider has no channel to be invited to: its card in its own conversation
        is where it takes part."""
        org = teams_organisation_of(f"{OrgKind.PROVIDER.value}:{provider_id}", self.ctx.policy)
        if org is None:
            route = f"teams:invite:{provider_id}"
            return ChatDelivery(False, route, "the provider is not on Teams", final=True)
        presence = await uc.presence(self.uow(), self.ctx, incident_id, Platform.TEAMS)
        return await self._draw(incident_id, org, presence.card())

    async def refresh_incident(self, incident_id: str) -> None:
        lock, users = self._redraws.setdefault(incident_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                presence = await uc.presence(self.uow(), self.ctx, incident_id, Platform.TEAMS)
                card = presence.card()
                orgs = teams_organisations(presence.incident, self.ctx.policy)
                drawn = await asyncio.gather(*(self._draw(incident_id, o, card) for o in orgs))
        finally:
            users[0] -= 1
            if users[0] == 0:
                self._redraws.pop(incident_id, None)
        for delivery in drawn:
            if not delivery.ok:
                log.warning(
                    "Teams card not drawn",
                    extra={"route": delivery.route, "status": delivery.error[:200]},
                )
            if delivery.final:  # Teams will never show it: on the record, as Slack's refusals
                await uc.record_message_refused(
                    self.uow(), self.ctx, incident_id, Platform.TEAMS, "incident card",
                    delivery.error,
                )  # fmt: skip

    # --- the card in place --------------------------------------------------------------------

    def _viewers(self, org: TeamsOrganisation) -> list[str]:
        """Who should see their own buttons on the card: the organisation's configured people
        on Teams (as Teams' refresh names users: 8:orgid:<Entra object id>)."""
        policy = self.ctx.policy
        people = (
            policy.providers[org.id].escalation_contacts
            if org.kind is OrgKind.PROVIDER
            else policy.councils[org.id].contacts
        )
        return [f"8:orgid:{p.teams_user}" for p in people if p.teams_user]

    async def _draw(
        self, incident_id: str, org: TeamsOrganisation, card: IncidentCard
    ) -> ChatDelivery:
        """Update the card in place, or post it (first time, or Teams lost the old one)."""
        ref = await self._conversation(org)
        if ref is None:
            return self._not_installed(org)
        route = f"teams:card:{ref.conversation_id}"
        activity = message_activity(self.cards.incident(card, self._viewers(org)))
        async with self.uow() as uow:
            stored = await uow.teams_cards.get(incident_id, ref.conversation_id)
        if stored is not None:
            try:
                await self.connector.update(
                    ref.service_url, ref.conversation_id, stored.activity_id, activity
                )
                return ChatDelivery(True, route)
            except ConnectorError as exc:
                if exc.status != 404:  # deleted in Teams: post it again below
                    final = exc.final and exc.status in NEVER_ACCEPTED
                    return ChatDelivery(False, route, teams_error(exc), final=final)
        try:
            activity_id = await self.connector.send(ref.service_url, ref.conversation_id, activity)
        except ConnectorError as exc:
            final = exc.final and exc.status in NEVER_ACCEPTED
            return ChatDelivery(False, route, teams_error(exc), final=final)
        async with self.uow() as uow:
            await uow.teams_cards.save(
                TeamsCard(
                    incident_id=incident_id,
                    conversation_id=ref.conversation_id,
                    activity_id=activity_id,
                    org_kind=org.kind.value,
                    org_id=org.id,
                    updated_at=self.ctx.clock.now(),
                )
            )
            await uow.commit()
        return ChatDelivery(True, route)
