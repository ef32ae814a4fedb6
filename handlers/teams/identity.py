"""Who is acting on Teams, and how they are answered: the Teams side of `handlers.acting.Edge`.

A Teams user acts for the organisation its tenant AND its conversation belong to, and nobody
else: the conversation must be one the bot stored for that organisation (installed there, or
addressed from there), the activity's tenant must be the one it was stored with, and config
must still give that tenant to that organisation alone; and Teams must confirm the person is a
member of that tenant's own directory, not a guest in it (handlers.teams.membership: a B2B
guest arrives with the host's tenant and conversation, and would otherwise act as the host).
Anyone else is no one, refused before any use case runs. The person is
`teams:<tenant>:<Entra object id>`, so the same person on Slack and on Teams never collide, and
a name is never taken for an identity.

`tell` answers the person where they acted. In an invoke (a card button) the answer is the
HTTP answer itself, so it is kept for the endpoint (`told`); in a message it is a reply in the
conversation.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.domain.actors import Actor, OrgKind
from bot.domain.conversations import ConversationRef
from bot.domain.errors import NotAuthorised
from bot.usecases.conversations import UNKNOWN_TENANT, conversation_of, still_belongs
from handlers.acting import Asker
from handlers.teams.activity import Inbound
from handlers.teams.connector import ConnectorError
from handlers.teams.context import TeamsDeps
from handlers.teams.replies import text_message

log = logging.getLogger(__name__)

ACTOR_NAME_CHARS = 200  # the record's width for an actor's name (storage: String(200))
NO_PERSON = "Teams did not say who you are (no Entra object id), so nothing was done."


def asker_of(activity: Inbound) -> Asker:
    return Asker(
        user=activity.aad_object_id, team=activity.tenant_id, channel=activity.conversation_id
    )


def user_id(tenant_id: str, aad_object_id: str) -> str:
    return f"teams:{tenant_id.lower()}:{aad_object_id.lower()}"


class TeamsEdge:
    """One activity's edge: who sent it, and where to answer them."""

    def __init__(self, deps: TeamsDeps, activity: Inbound, *, answering_invoke: bool) -> None:
        self.deps = deps
        self.activity = activity
        self.answering_invoke = answering_invoke
        self.told: list[str] = []  # what the person is told (an invoke's message answer)
        self.answer: dict[str, Any] | None = None  # the card an invoke answers with
        self.ref: ConversationRef | None = None  # the conversation, once learnt this request

    async def actor_of(self, asker: Asker) -> Actor:
        if not asker.user:
            raise NotAuthorised(NO_PERSON)
        ref = self.ref
        if ref is None or (ref.conversation_id, ref.tenant_id) != (asker.channel, asker.team):
            ref = await conversation_of(self.deps.uow(), self.deps.ctx, asker.team, asker.channel)
        elif not still_belongs(self.deps.ctx.policy, ref):
            raise NotAuthorised(UNKNOWN_TENANT)
        await self.confirm_member()
        # Entra allows 256 characters; the record keeps 200, as for Slack's names
        name = self.activity.from_name.strip()[:ACTOR_NAME_CHARS].strip() or "A Teams user"
        return Actor(user_id(asker.team, asker.user), name, OrgKind(ref.org_kind), ref.org_id)

    async def confirm_member(self, *, installing: bool = False) -> None:
        """The sender is a member of the conversation's tenant, not a guest; else
        `NotAuthorised` (Teams asked once a while per person and conversation, not per click;
        patiently for an installation, which nobody waits on)."""
        await self.deps.members.confirm(self.activity, installing=installing)

    async def tell(self, asker: Asker, text: str) -> None:
        if self.answering_invoke:
            self.told.append(text)
            return
        await self.say(text)

    async def say(self, text: str) -> None:
        """A message in the conversation the activity came from."""
        try:
            await self.deps.connector.send(
                self.activity.service_url, self.activity.conversation_id, text_message(text)
            )
        except ConnectorError as exc:
            log.warning("Teams reply not sent", extra={"status": f"{exc.status} {exc.code}"})
