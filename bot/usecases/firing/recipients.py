"""Who a step of the contact ladder reaches, and by which routes: one entry per
`RecipientKind` in `REACH`, the same enum the policy loader accepts in config/escalation.yml.

Every route has a key that names it apart from any one firing (`duty_manager:Jo Bloggs:sms`,
`provider_channel:kpmg`, `incident_channel`), so a route that did not get through can be tried
again on its own (`only`), and a later level sent to the same key supersedes that retry. A
route that cannot work whatever happens (nobody configured, Notify not set up) has no key: it
is recorded, never retried.

Routes follow each organisation's platform: a provider on Microsoft Teams is reached in its
Teams conversation (`provider_channel:kpmg:teams`), a contact with a Teams user by a personal
chat (`...:teams`) beside or instead of Slack, and the incident on each platform it is on
(`incident_channel`, `incident_channel:council:leeds:teams`). What did not reach Teams is kept apart
(`Sender.teams_failures`) so MHCLG, on Slack, can be told.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.actors import OrgKind
from bot.domain.bindings import Platform
from bot.domain.incident import Incident
from bot.policy.model import Contact, Provider, RecipientKind
from bot.ports.chat import ChatDelivery, ChatPort, OutboundMessage
from bot.ports.notify import Delivery, Route
from bot.usecases.firing.outcomes import (
    Outcome,
    attempt_chat,
    attempt_notify,
    failed,
    outcome,
)
from bot.usecases.platforms import teams_organisations
from bot.views.page import escalation_email, escalation_sms

if TYPE_CHECKING:
    from bot.usecases.firing import FiringDeps

KEY = "key"  # each outcome's route key; "" when it is not worth retrying
TEAMS = ":teams"  # the suffix of a route key on Microsoft Teams
TEAMS_NOT_CONFIGURED = "Microsoft Teams is not configured (MICROSOFT_APP_ID)"


@dataclass(frozen=True)
class Messages:
    """What one firing says, by where it goes."""

    channel: Callable[[Provider], OutboundMessage]  # a provider's paging channel
    person: OutboundMessage  # a direct message; its text is also the SMS and the email
    incident: OutboundMessage  # the incident's own channel


@dataclass(frozen=True)
class Send:
    """One route, not yet tried: `go` starts it, so a route left out is never begun."""

    key: str
    go: Callable[[], Awaitable[Outcome]]


Reach = Callable[["Sender", RecipientKind, Messages], list[Send]]


class Sender:
    """Sends one firing's messages to the recipient kinds a ladder step names (or, with
    `only`, to those of its routes alone), every route at once; the outcomes keep the order
    the routes are listed in, whatever order they finish."""

    def __init__(
        self, incident: Incident, deps: FiringDeps, only: Collection[str] | None = None
    ) -> None:
        self.incident, self.deps = incident, deps
        policy = deps.ctx.policy
        self.providers = [
            policy.providers[p] for p in incident.provider_ids if p in policy.providers
        ]
        self.reference = str(incident.reference)
        self.only = None if only is None else frozenset(only)
        self.outcomes: list[Outcome] = []
        self.keys: list[str] = []  # every route key this step has, tried or not
        self.teams_failures: list[Outcome] = []  # routes to Teams that did not get through

    async def send(self, kinds: Sequence[str], messages: Messages) -> None:
        sends: list[Send] = []
        for raw in kinds:
            try:
                kind = RecipientKind(raw)
            except ValueError:  # a row written by an older configuration
                sends.append(_known(failed(raw, "", "none", "unknown recipient kind")))
                continue
            sends += REACH[kind](self, kind, messages)
        self.keys += [s.key for s in sends if s.key]
        if self.only is not None:
            sends = [s for s in sends if s.key in self.only]
        self.outcomes += await asyncio.gather(*(s.go() for s in sends))

    def chat(self, kind: RecipientKind, recipient: str, key: str, call: _ChatCall) -> Send:
        async def go() -> Outcome:
            delivery = await attempt_chat(call(), key)
            return {**outcome(kind.value, recipient, delivery), KEY: "" if delivery.final else key}

        return Send(key, go)

    def teams(
        self,
        kind: RecipientKind,
        recipient: str,
        key: str,
        call: Callable[[ChatPort], Awaitable[ChatDelivery]],
    ) -> Send:
        """A route on Microsoft Teams (its key ends in `:teams`); a failure is also kept in
        `teams_failures`."""
        port = self.deps.chats.on(Platform.TEAMS) if self.deps.chats is not None else None
        if port is None:
            missing = failed(kind.value, recipient, "teams", TEAMS_NOT_CONFIGURED)
            self.teams_failures.append(missing)
            return _known(missing)
        send = self.chat(kind, recipient, key, lambda: call(port))

        async def go() -> Outcome:
            result = await send.go()
            if not result["ok"]:
                self.teams_failures.append(result)
            return result

        return Send(key, go)

    def notify(
        self, kind: RecipientKind, recipient: str, key: str, route: Route, to: str, call: _Call
    ) -> Send:
        async def go() -> Outcome:
            delivery = await attempt_notify(call(), route, to)
            # not attempted at all (Notify not configured, an adapter's bug): no retry helps
            retry = key if delivery.ok or delivery.attempts > 0 else ""
            return {**outcome(kind.value, recipient, delivery), KEY: retry}

        return Send(key, go)

    def person(self, kind: RecipientKind, who: Contact, messages: Messages) -> list[Send]:
        chat, notifier = self.deps.chat, self.deps.notifier
        message, text = messages.person, messages.person.text
        key = f"{kind.value}:{who.name}"
        sends: list[Send] = []
        if who.slack_user:
            user = who.slack_user
            sends.append(
                self.chat(kind, who.name, f"{key}:chat", lambda: chat.to_person(user, message))
            )
        if who.teams_user:
            aad = who.teams_user
            sends.append(
                self.teams(kind, who.name, key + TEAMS, lambda t: t.to_person(aad, message))
            )
        if not who.slack_user and not who.teams_user:
            sends.append(_known(failed(kind.value, who.name, "chat", "no chat user configured")))
        if who.phone:
            phone, sms = who.phone, escalation_sms(text, self.incident)
            sends.append(
                self.notify(
                    kind,
                    who.name,
                    f"{key}:sms",
                    "sms",
                    phone,
                    lambda: notifier.send_sms(phone, sms, reference=self.reference),
                )
            )
        else:
            sends.append(_known(failed(kind.value, who.name, "sms", "no phone number configured")))
        if who.email:
            email, (subject, body) = who.email, escalation_email(text, self.incident)
            sends.append(
                self.notify(
                    kind,
                    who.name,
                    f"{key}:email",
                    "email",
                    email,
                    lambda: notifier.send_email(email, subject, body, reference=self.reference),
                )
            )
        else:
            sends.append(
                _known(failed(kind.value, who.name, "email", "no email address configured"))
            )
        return sends


_ChatCall = Callable[[], Awaitable[ChatDelivery]]
_Call = Callable[[], Awaitable[Delivery]]


def _known(result: Outcome) -> Send:
    """An outcome known without sending anything (nothing configured): never retried."""

    async def go() -> Outcome:
        return {**result, KEY: ""}

    return Send("", go)


def _provider_channels(sender: Sender, kind: RecipientKind, messages: Messages) -> list[Send]:
    chat = sender.deps.chat

    def post(channel: str, message: OutboundMessage) -> _ChatCall:
        return lambda: chat.to_channel(channel, message)

    def in_teams(
        org: str, message: OutboundMessage
    ) -> Callable[[ChatPort], Awaitable[ChatDelivery]]:
        return lambda teams: teams.to_channel(org, message)

    sends = []
    for p in sender.providers:
        key = f"{kind.value}:{p.id}"
        if p.platform is Platform.TEAMS:  # its Teams conversation, by its organisation
            org = f"{OrgKind.PROVIDER.value}:{p.id}"
            sends.append(
                sender.teams(kind, p.name, key + TEAMS, in_teams(org, messages.channel(p)))
            )
        else:
            sends.append(
                sender.chat(kind, p.name, key, post(p.paging_channel, messages.channel(p)))
            )
    return sends


def _provider_escalation(sender: Sender, kind: RecipientKind, messages: Messages) -> list[Send]:
    return [
        send
        for p in sender.providers
        for who in p.escalation_contacts
        for send in sender.person(kind, who, messages)
    ]


def _duty_manager(sender: Sender, kind: RecipientKind, messages: Messages) -> list[Send]:
    manager = sender.deps.ctx.policy.mhclg.duty_manager(sender.deps.ctx.clock.now())
    if manager is None:
        return [_known(failed(kind.value, "", "any", "no duty manager on the rota"))]
    return sender.person(kind, manager, messages)


def _incident_channel(sender: Sender, kind: RecipientKind, messages: Messages) -> list[Send]:
    """The incident's channel on Slack, and on Teams the conversation of each of its Teams
    organisations: each its own route, so one that failed is retried on its own and none that
    got through is sent twice."""
    deps, incident_id, message = sender.deps, sender.incident.id, messages.incident
    chats = deps.chats
    slack = chats.on(Platform.SLACK) if chats is not None else deps.chat
    sends = []
    if slack is not None:
        port = slack
        sends.append(
            sender.chat(
                kind,
                "incident channel",
                kind.value,
                lambda: port.to_incident(incident_id, message),
            )
        )

    def post(org: str) -> Callable[[ChatPort], Awaitable[ChatDelivery]]:
        return lambda teams: teams.to_channel(org, message)

    for org in teams_organisations(sender.incident, deps.ctx.policy):
        key = f"{kind.value}:{org.organisation}{TEAMS}"
        sends.append(sender.teams(kind, org.name, key, post(org.organisation)))
    return sends or [_known(failed(kind.value, "incident channel", "chat", "no chat platform"))]


REACH: dict[RecipientKind, Reach] = {
    RecipientKind.PROVIDER_CHANNEL: _provider_channels,
    RecipientKind.PROVIDER_ESCALATION: _provider_escalation,
    RecipientKind.DUTY_MANAGER: _duty_manager,
    RecipientKind.INCIDENT_CHANNEL: _incident_channel,
}
