"""Slack's side of what a person does in the sandbox page: what Slack's client checks itself, the
signed request Slack's servers send to the bot's Request URL, and what Slack does with the bot's
answer (an ephemeral line for a command's text, a modal's inline errors, an updated or pushed
view, a closed one). The bot is reached only over HTTP, as Slack reaches it."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from sandbox.page import payloads
from sandbox.slack.methods import views
from sandbox.slack.signed_requests import sign
from sandbox.slack.workspace import BOT_USER, Channel, Message, Person, Workspace

ACK_SECONDS = 3.0  # Slack gives up on an app that has not answered in three seconds
HOOKS_KEPT = 500  # response_urls remembered
Answer = dict[str, Any]


class Refused(Exception):
    """What Slack's client would show instead of sending anything."""


@dataclass
class Hook:
    person: str
    channel: str


@dataclass
class SlackSide:
    ws: Workspace
    events_url: str
    signing_secret: str
    hooks_root: str  # where response_url points: `{hooks_root}/{key}`
    commands: tuple[str, ...] = ("/cir",)
    hooks: dict[str, Hook] = field(default_factory=dict)
    # inline errors by `errors_key` (a view as it was drawn: an updated view starts clean)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    _session: aiohttp.ClientSession | None = None

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()

    # --- sending -------------------------------------------------------------------------

    async def _send(self, body: str) -> tuple[int, str]:
        """POST as Slack does: signed, form or JSON, and given up after three seconds."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = sign(self.signing_secret, body)
        headers["Content-Type"] = (
            "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"
        )
        try:
            async with asyncio.timeout(ACK_SECONDS):
                async with self._session.post(
                    self.events_url, data=body.encode(), headers=headers
                ) as r:
                    return r.status, await r.text()
        except TimeoutError:
            return 0, "operation_timeout"
        except aiohttp.ClientError:
            return 0, "dispatch_failed"

    def _hook(self, person: Person, channel: Channel) -> str:
        if len(self.hooks) >= HOOKS_KEPT:  # the oldest first (Slack's last 30 minutes)
            del self.hooks[next(iter(self.hooks))]
        key = secrets.token_urlsafe(12)
        self.hooks[key] = Hook(person.id, channel.id)
        return f"{self.hooks_root}/{key}"

    def _slackbot(self, person: Person, channel: Channel, text: str) -> None:
        """A line only this person sees, as Slack shows its own complaints."""
        self.ws.post(
            Message(self.ws.next_ts(), channel.id, "USLACKBOT", text, ephemeral_to=person.id)
        )

    def _failed(self, person: Person, channel: Channel, status: int, text: str, what: str) -> bool:
        if status == 200:
            return False
        reason = text if status == 0 else "dispatch_failed"
        self._slackbot(person, channel, f'{what} failed with the error "{reason}"')
        return True

    # --- the message box --------------------------------------------------------------------

    def channel_for(self, person: Person, channel_id: str) -> Channel:
        channel = self.ws.conversation(channel_id) if channel_id else None
        if channel is None or not self.ws.can_see(person.id, channel):
            raise Refused("You cannot see that channel.")
        return channel

    async def say(self, person: Person, channel: Channel, text: str, thread_ts: str = "") -> None:
        text = text.strip()
        if not text:
            raise Refused("Type a message first.")
        if text.startswith("/"):
            await self._command(person, channel, text)
            return
        if person.id not in channel.members:  # a public channel of their workspace: joined
            channel.members.append(person.id)
        typed = Message(
            self.ws.next_ts(), channel.id, person.id, slack_escape(text), thread_ts=thread_ts
        )
        self.ws.post(typed)

    async def _command(self, person: Person, channel: Channel, text: str) -> None:
        command = text.split()[0]
        if command not in self.commands:
            self._slackbot(person, channel, f"{command} is not a valid command.")
            return
        body = payloads.slash_command(self.ws, person, channel, text, self._hook(person, channel))
        status, answer = await self._send(body)
        if self._failed(person, channel, status, answer, command):
            return
        if answer.strip():
            self._respond(person, channel, _json(answer) or {"text": answer})

    def respond(self, key: str, message: Answer) -> bool:
        """A POST to a response_url: a line for the person, or for the channel."""
        hook = self.hooks.get(key)
        person = self.ws.people.get(hook.person) if hook else None
        channel = self.ws.conversation(hook.channel) if hook else None
        if person is None or channel is None:
            return False
        self._respond(person, channel, message)
        return True

    def _respond(self, person: Person, channel: Channel, message: Answer) -> None:
        blocks = message.get("blocks")
        shown = Message(
            self.ws.next_ts(),
            channel.id,
            BOT_USER,
            str(message.get("text") or ""),
            blocks=blocks if isinstance(blocks, list) else [],
            ephemeral_to="" if message.get("response_type") == "in_channel" else person.id,
        )
        self.ws.post(shown)

    # --- buttons and menus ------------------------------------------------------------------

    async def act_in_message(
        self, person: Person, channel: Channel, ts: str, action: Answer
    ) -> None:
        if self.ws.message(channel.id, ts) is None:
            raise Refused("That message is gone.")
        body = payloads.message_action(
            self.ws, person, channel, ts, action, self._hook(person, channel)
        )
        status, answer = await self._send(body)
        self._failed(person, channel, status, answer, "That action")

    def view_of(self, person: Person, view_id: str) -> Answer:
        """A view this person has open: a modal in their stack, or their App Home."""
        if view_id in self.ws.modals.get(person.id, []) or self.ws.homes.get(person.id) == view_id:
            return self.ws.views[view_id]
        raise Refused("That view is not open.")

    async def act_in_view(
        self, person: Person, view_id: str, values: Answer, action: Answer
    ) -> None:
        view = self.view_of(person, view_id)
        status, _ = await self._send(payloads.view_action(self.ws, person, view, values, action))
        if status != 200:
            self.errors[errors_key(view)] = {"": "We had some trouble connecting. Try again?"}
            self.ws.touch()

    async def suggest(
        self, person: Person, view_id: str, block_id: str, action_id: str, value: str
    ) -> list[Answer]:
        view = self.view_of(person, view_id)
        body = payloads.suggestion(self.ws, person, view, block_id, action_id, value)
        status, answer = await self._send(body)
        found = _json(answer) if status == 200 else None
        options = (found or {}).get("options")
        groups = (found or {}).get("option_groups")
        if isinstance(groups, list):
            return [o for g in groups for o in g.get("options", [])]
        return options if isinstance(options, list) else []

    # --- modals -----------------------------------------------------------------------------

    async def submit(self, person: Person, view_id: str, values: Answer) -> dict[str, str]:
        """Send the modal; the inline errors the bot answered with, if any."""
        stack = self.ws.modals.get(person.id, [])
        if not stack or stack[-1] != view_id:
            raise Refused("That form is not the one open.")
        view = self.ws.views[view_id]
        key = errors_key(view)
        self.errors.pop(key, None)
        status, text = await self._send(payloads.view_submission(self.ws, person, view, values))
        if status != 200:
            self.errors[key] = {"": "We had some trouble connecting. Try again?"}
            self.ws.touch()
            return self.errors[key]
        answer = _json(text) or {}
        action = answer.get("response_action")
        if action == "errors":
            self.errors[key] = {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}
        elif action == "update" and isinstance(answer.get("view"), dict):
            views.update(self.ws, {"view": answer["view"], "view_id": view_id})
        elif action == "push" and isinstance(answer.get("view"), dict):
            trigger = self.ws.new_trigger(person.id)
            views.push(self.ws, {"view": answer["view"], "trigger_id": trigger})
        elif action == "clear":
            self.ws.modals[person.id] = []
        else:
            stack.pop()
        self.ws.touch()
        return self.errors.get(key, {})

    async def close_view(self, person: Person, view_id: str) -> None:
        stack = self.ws.modals.get(person.id, [])
        if not stack or stack[-1] != view_id:
            raise Refused("That form is not the one open.")
        view = self.ws.views[view_id]
        stack.pop()
        self.errors.pop(errors_key(view), None)
        self.ws.touch()
        if view.get("notify_on_close"):
            await self._send(payloads.view_closed(self.ws, person, view))

    # --- shortcuts, App Home, Slack Connect -------------------------------------------------

    async def shortcut(self, person: Person, callback_id: str) -> None:
        await self._send(payloads.global_shortcut(self.ws, person, callback_id))

    async def message_shortcut(
        self, person: Person, channel: Channel, ts: str, callback_id: str
    ) -> None:
        if self.ws.message(channel.id, ts) is None:
            raise Refused("That message is gone.")
        hook = self._hook(person, channel)
        body = payloads.message_shortcut(self.ws, person, channel, ts, callback_id, hook)
        status, answer = await self._send(body)
        self._failed(person, channel, status, answer, "That shortcut")

    async def open_home(self, person: Person) -> None:
        await self._send(payloads.home_opened(self.ws, person))

    async def accept(self, person: Person, invite_id: str) -> None:
        """The invitee accepts: the channel is shared with their organisation, whose people in
        the sandbox join it (their admins adding them), and the app is told."""
        invite = next((i for i in self.ws.invites_for(person.id) if i.id == invite_id), None)
        if invite is None:
            raise Refused("That invitation is not yours, or was already answered.")
        invite.state = "accepted"
        channel = self.ws.channels[invite.channel]
        channel.shared_with.add(person.team_id)
        colleagues = [p.id for p in self.ws.people.values() if p.team_id == person.team_id]
        channel.members.extend(p for p in [person.id, *colleagues] if p not in channel.members)
        self.ws.touch()
        await self._send(payloads.invite_accepted(self.ws, person, invite))


def slack_escape(text: str) -> str:
    """What Slack stores of what a person typed: &, < and > escaped, so their words are never
    read as links, mentions or markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def errors_key(view: Answer) -> str:
    return f"{view['id']}#{view.get('hash', '')}"


def _json(text: str) -> Answer | None:
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None
