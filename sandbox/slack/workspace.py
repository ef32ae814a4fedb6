"""The state behind the Slack stand-in: organisations (MHCLG's workspace, the providers' and
councils' own, joined by Slack Connect), people, channels with their messages, threads, pins and
topics, user groups, open modals and App Home tabs, files and Slack Connect invitations.

The Web API methods (`sandbox/slack/methods/`) change it as Slack would; the browser sandbox
reads it to show each person what Slack would show them, and is woken by `changed()` whenever
anything moves. Two levels of strictness: a test's partial workspace (people it never added may
still be named) and a `complete` one, where everyone is known, so an unknown user or an unknown
trigger id is refused as Slack refuses it.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

TEAM_ID, TEAM_NAME, BOT_USER, BOT_ID = "T0MHCLG", "MHCLG", "UBOT", "BBOT"
APP_ID = "A0CIR"
TRIGGER_SECONDS = 3.0  # a trigger_id expires three seconds after the interaction
MODAL_STACK = 3  # views.push: at most three views in a modal's stack
Answer = dict[str, Any]


@dataclass
class Team:
    id: str
    name: str
    domain: str = ""


@dataclass
class Person:
    id: str
    team_id: str
    name: str
    email: str = ""
    phone: str = ""
    is_bot: bool = False
    guest: bool = False  # a multi-channel guest account (`is_restricted`)
    title: str = ""  # what the sandbox calls them ("assessor", "provider responder", ...)

    def json(self) -> Answer:
        profile = {
            "email": self.email,
            "real_name": self.name,
            "display_name": self.name,
            "phone": self.phone,
            "title": self.title,
        }
        return {
            "id": self.id, "team_id": self.team_id, "name": self.name, "real_name": self.name,
            "profile": profile, "is_bot": self.is_bot, "deleted": False,
            "is_restricted": self.guest,
        }  # fmt: skip


@dataclass
class Message:
    ts: str
    channel: str
    user: str
    text: str = ""
    blocks: list[Any] = field(default_factory=list)
    attachments: list[Any] = field(default_factory=list)
    thread_ts: str = ""
    metadata: Any = None
    files: list[str] = field(default_factory=list)
    ephemeral_to: str = ""  # only this person sees it (chat.postEphemeral, a command's answer)
    edited: bool = False

    def json(self) -> Answer:
        found: Answer = {"type": "message", "user": self.user, "ts": self.ts, "text": self.text}
        if self.user == BOT_USER:
            found["bot_id"] = BOT_ID
        for key in ("blocks", "attachments", "thread_ts", "metadata", "files"):
            if value := getattr(self, key):
                found[key] = value
        return found


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool
    team_id: str = TEAM_ID  # the workspace it was created in
    topic: str = ""
    purpose: str = ""
    members: list[str] = field(default_factory=lambda: [BOT_USER])
    shared_with: set[str] = field(default_factory=set)  # other organisations' teams (Connect)
    messages: list[Message] = field(default_factory=list)
    pins: set[str] = field(default_factory=set)
    is_im: bool = False

    def json(self) -> Answer:
        return {
            "id": self.id, "name": self.name, "is_channel": not self.is_im, "is_im": self.is_im,
            "is_private": self.is_private, "is_archived": False,
            "is_member": BOT_USER in self.members, "is_shared": bool(self.shared_with),
            "is_ext_shared": bool(self.shared_with), "num_members": len(self.members),
            "topic": {"value": self.topic}, "purpose": {"value": self.purpose},
        }  # fmt: skip


@dataclass
class Invite:
    """A Slack Connect invitation (conversations.inviteShared) to one email or user."""

    id: str
    channel: str
    email: str = ""
    user_id: str = ""
    state: str = "pending"  # pending | accepted | declined


@dataclass
class File:
    id: str
    filename: str
    title: str = ""
    channel: str = ""
    data: bytes = b""
    user: str = BOT_USER

    @property
    def file_id(self) -> str:
        return self.id


@dataclass
class Trigger:
    user: str
    at: float


class Workspace:
    def __init__(self, *, complete: bool = False) -> None:
        self.complete = complete
        self.teams: dict[str, Team] = {TEAM_ID: Team(TEAM_ID, TEAM_NAME, "mhclg")}
        self.people: dict[str, Person] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.user_faults: dict[str, str] = {}  # users.info answers this error for this user
        self.views: dict[str, Answer] = {}
        self.modals: dict[str, list[str]] = {}  # person -> the view ids of their open modal
        self.homes: dict[str, str] = {}  # person -> the view id of their App Home
        self.invites: dict[str, Invite] = {}
        self.files: dict[str, File] = {}  # uploaded and shared
        self.pending_uploads: dict[str, File] = {}  # given an upload URL, not yet completed
        self.uploads: list[File] = []  # in the order they were completed
        self.delivered: list[Answer] = []  # chat.postMessage arguments Slack accepted
        self.triggers: dict[str, Trigger] = {}
        self.upload_root = ""  # where files.getUploadURLExternal's URLs point (the API server)
        self.version = 0
        self._ids = itertools.count(1)
        self._last_ts = 0.0
        self._changed = asyncio.Event()

    # --- ids and change notification -------------------------------------------------------

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def next_ts(self) -> str:
        """Slack's ts: seconds and microseconds of the moment, unique in the workspace."""
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def touch(self) -> None:
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def changed(self, since: int, within: float) -> int:
        """Wait (at most `within` seconds) until the version passes `since`; the version."""
        if self.version <= since:
            try:
                await asyncio.wait_for(self._changed.wait(), within)
            except TimeoutError:
                pass
        return self.version

    # --- people and places ------------------------------------------------------------------

    def add_team(self, team_id: str, name: str, domain: str = "") -> Team:
        self.teams[team_id] = Team(team_id, name, domain or name.lower().replace(" ", "-"))
        self.touch()
        return self.teams[team_id]

    def add_person(self, person: Person) -> Person:
        self.people[person.id] = person
        self.touch()
        return person

    def add_channel(self, channel: Channel) -> Channel:
        self.channels[channel.id] = channel
        self.touch()
        return channel

    def person_by_email(self, email: str) -> Person | None:
        wanted = email.strip().casefold()
        return next((p for p in self.people.values() if p.email.casefold() == wanted), None)

    def unknown_user(self, user_id: str) -> bool:
        """In a complete workspace, a user Slack would answer `user_not_found` about."""
        return self.complete and user_id != BOT_USER and user_id not in self.people

    def dm(self, user_id: str) -> Channel:
        """The bot's direct-message conversation with a person, opened on first use."""
        dm_id = "D" + user_id[1:]
        if dm_id not in self.channels:
            self.channels[dm_id] = Channel(
                dm_id, f"dm-{user_id.lower()}", True, members=[BOT_USER, user_id], is_im=True
            )
        return self.channels[dm_id]

    def conversation(self, channel_id: str) -> Channel | None:
        """A channel by id; a user id or DM id names the bot's DM with that person."""
        if channel_id[:1] in ("U", "W"):
            return self.dm(channel_id)
        if channel_id[:1] == "D" and channel_id not in self.channels:
            return self.dm("U" + channel_id[1:])
        return self.channels.get(channel_id)

    def message(self, channel_id: str, ts: str) -> Message | None:
        channel = self.conversation(channel_id)
        if channel is None:
            return None
        return next((m for m in channel.messages if m.ts == ts), None)

    def post(self, message: Message) -> Message:
        channel = self.conversation(message.channel)
        assert channel is not None, message.channel
        channel.messages.append(message)
        self.touch()
        return message

    # --- what a person may see ----------------------------------------------------------------

    def can_see(self, user_id: str, channel: Channel) -> bool:
        if user_id in channel.members:
            return True
        person = self.people.get(user_id)
        # a public channel of the person's own workspace can be read (and joined)
        return (
            person is not None
            and not channel.is_private
            and not channel.is_im
            and not person.guest
            and channel.team_id == person.team_id
        )

    def visible_channels(self, user_id: str) -> list[Channel]:
        return [c for c in self.channels.values() if self.can_see(user_id, c)]

    def invites_for(self, user_id: str) -> list[Invite]:
        person = self.people.get(user_id)
        if person is None:
            return []
        return [
            i
            for i in self.invites.values()
            if i.state == "pending"
            and (
                i.user_id == user_id or (i.email and i.email.casefold() == person.email.casefold())
            )
        ]

    # --- triggers -----------------------------------------------------------------------------

    def new_trigger(self, user_id: str) -> str:
        now = time.monotonic()
        if len(self.triggers) > 1000:  # long expired: forget them
            self.triggers = {k: t for k, t in self.triggers.items() if now - t.at < 60}
        trigger_id = f"{int(time.time())}.{next(self._ids)}.{user_id.lower()}"
        self.triggers[trigger_id] = Trigger(user_id, now)
        return trigger_id

    def trigger_problem(self, trigger_id: str) -> str:
        """Slack's error for a trigger id it would not accept, or '' (and the person)."""
        found = self.triggers.get(trigger_id)
        if found is None:
            return "invalid_trigger_id" if self.complete else ""
        if time.monotonic() - found.at > TRIGGER_SECONDS:
            return "expired_trigger_id"
        return ""

    def trigger_user(self, trigger_id: str) -> str:
        found = self.triggers.get(trigger_id)
        return found.user if found else ""
