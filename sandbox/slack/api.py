"""A local Slack Web API: the real slack_sdk client and Bolt talk to it over HTTP, so tests cover
request encoding, retries and Slack's error answers instead of trusting a mocked client."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox.local_server import LocalServer
from sandbox.slack import rules as slack_rules

TEAM_ID, TEAM_NAME, BOT_USER, BOT_ID = "T0MHCLG", "MHCLG", "UBOT", "BBOT"
_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")
_HTML_500 = "<html><body><h1>Internal Server Error</h1></body></html>"
Answer = dict[str, Any]


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    at: float


@dataclass
class Upload:
    file_id: str
    filename: str
    title: str = ""
    channel: str = ""
    data: bytes = b""


@dataclass
class _Channel:
    id: str
    name: str
    is_private: bool
    topic: str = ""
    purpose: str = ""
    members: list[str] = field(default_factory=lambda: [BOT_USER])


@dataclass(frozen=True)
class _Fault:
    kind: str  # "error" | "ratelimit" | "status" | "delay"
    value: Any


def _error(code: str, **extra: Any) -> Answer:
    return {"ok": False, "error": code, **extra}


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


def _decoded(value: Any) -> Any:
    """Form data carries blocks and views as JSON strings; tests want to inspect objects."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def message_text(args: dict[str, Any]) -> str:
    """Everything a person would read in a message: its text plus every text inside its blocks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    if isinstance(args.get("text"), str):
        found.append(args["text"])
    walk(args.get("blocks") or [])
    walk(args.get("attachments") or [])
    return "\n".join(found)


class FakeSlackApi(LocalServer):
    """`POST /api/{method}` as Slack answers it, with every call recorded and faults on demand."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        # Every call answered ok: false, with the answer (faults asked for by a test excepted):
        # a test that drives the bot can assert Slack accepted all it sent.
        self.refusals: list[tuple[Call, Answer]] = []
        self.uploads: list[Upload] = []
        self.latency: float = 0.0
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._channels: dict[str, _Channel] = {}
        self._users: dict[str, Answer] = {}
        self._user_faults: dict[str, str] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._views: dict[str, Answer] = {}
        self._posted: set[tuple[str, str]] = set()
        self._delivered: list[Answer] = []
        self._pins: set[tuple[str, str]] = set()
        self._pending_uploads: dict[str, Upload] = {}
        self._root = ""
        self._methods: dict[str, Callable[[Answer], Answer]] = {
            "auth.test": self._auth_test,
            "conversations.create": self._conversations_create,
            "conversations.setTopic": self._set_topic,
            "conversations.setPurpose": self._set_purpose,
            "conversations.invite": self._conversations_invite,
            "conversations.inviteShared": self._invite_shared,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "chat.postMessage": self._post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.getPermalink": self._permalink,
            "pins.add": self._pins_add,
            "views.open": self._view,
            "views.push": self._view,
            "views.update": self._view,
            "views.publish": self._view,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroup_users,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "files.upload": self._files_upload,
        }

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024**2)
        app.router.add_route("POST", "/api/{method}", self._handle)
        app.router.add_route("GET", "/api/{method}", self._handle)  # users.info and other reads
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        self._root = await self._serve(app)

    @property
    def base_url(self) -> str:
        if not self._root:
            raise RuntimeError("FakeSlackApi is not started")
        return f"{self._root}/api/"

    # --- what tests set up -----------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        team_id: str,
        name: str,
        email: str = "",
        is_bot: bool = False,
        guest: bool = False,
    ) -> None:
        """`guest`: a multi-channel guest account (`is_restricted`) in `team_id`."""
        profile = {"email": email, "real_name": name, "display_name": name}
        self._users[user_id] = {
            "id": user_id, "team_id": team_id, "name": name, "real_name": name,
            "profile": profile, "is_bot": is_bot, "deleted": False, "is_restricted": guest,
        }  # fmt: skip

    def fail_users_info_for(self, user_id: str, error: str = "fatal_error") -> None:
        """users.info answers `error` for this one user, every time, until `clear_user_faults`."""
        self._user_faults[user_id] = error

    def clear_user_faults(self) -> None:
        self._user_faults.clear()

    def set_usergroup(self, usergroup_id: str, user_ids: list[str]) -> None:
        self._usergroups[usergroup_id] = list(user_ids)

    def add_channel(
        self, channel_id: str, name: str, is_private: bool = False, members: list[str] | None = None
    ) -> None:
        """A channel that exists before the test, such as the triage channel."""
        self._channels[channel_id] = _Channel(channel_id, name, is_private)
        if members is not None:
            self._channels[channel_id].members = list(members)

    def members_of(self, channel_id: str) -> list[str]:
        return list(self._channels[channel_id].members)

    def fail_next(self, method: str, error: str = "name_taken", times: int = 1) -> None:
        self._faults[method].extend([_Fault("error", error)] * times)

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        self._faults[method].extend([_Fault("ratelimit", retry_after)] * times)

    def server_error_next(self, method: str, status: int = 500, times: int = 1) -> None:
        self._faults[method].extend([_Fault("status", status)] * times)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        self._faults[method].extend([_Fault("delay", seconds)] * times)

    # --- what tests read -------------------------------------------------------------------

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def clear(self) -> None:
        """Forget what was recorded so far; channels, users, views and posted messages remain."""
        self.calls.clear()
        self.refusals.clear()
        self.uploads.clear()
        self._delivered.clear()

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """chat.postMessage args that Slack accepted: a rate-limited or failed attempt is in
        `calls` but never reached anyone, so it is not here."""
        return [m for m in self._delivered if channel is None or m.get("channel") == channel]

    message_text = staticmethod(message_text)

    # --- HTTP ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: Answer = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):  # a multipart part, as files.upload sends
                    args.setdefault("filename", value.filename)
                    args[key] = value.file.read()
                else:
                    args[key] = value
        args = {k: _decoded(v) for k, v in args.items()}
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or args.pop(
            "token", ""
        )
        call = Call(method, args, time.monotonic())
        self.calls.append(call)
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self._faults[method].popleft() if self._faults[method] else None
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.value)
        elif fault is not None and fault.kind == "ratelimit":
            headers = {"Retry-After": str(fault.value)}
            return web.json_response(_error("ratelimited"), status=429, headers=headers)
        elif fault is not None and fault.kind == "status":
            if fault.value == 503:
                return web.json_response(_error("service_unavailable"), status=503)
            return web.Response(text=_HTML_500, status=fault.value, content_type="text/html")
        elif fault is not None:
            return web.json_response(_error(fault.value))
        if not token:
            return web.json_response(_error("not_authed"))
        if not token.startswith(("xoxb-", "xoxp-")):
            return web.json_response(_error("invalid_auth"))
        problems = slack_rules.check_call(method, args)
        if problems:
            refused = slack_rules.slack_answer(problems)
            if refused["error"] == "unknown_method":
                refused["req_method"] = method  # as Slack names the method it does not know
            self.refusals.append((call, refused))
            return web.json_response(refused)
        answer = self._methods[method](args)
        if answer.get("ok") is False:
            self.refusals.append((call, answer))
        return web.json_response({"ok": True, **answer} if "ok" not in answer else answer)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        upload = self._pending_uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(text="file not found", status=404, content_type="text/plain")
        upload.data = await request.read()
        return web.Response(text=f"OK - {len(upload.data)}", content_type="text/plain")

    # --- methods ---------------------------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _next_ts(self) -> str:
        micros = 1_700_000_000_000_000 + 100 * next(self._ids)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _auth_test(self, args: Answer) -> Answer:
        return {
            "url": "https://mhclg.slack.com/", "team": TEAM_NAME, "user": "cir_bot",
            "team_id": TEAM_ID, "user_id": BOT_USER, "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }  # fmt: skip

    def _channel_json(self, ch: _Channel) -> Answer:
        return {
            "id": ch.id, "name": ch.name, "is_channel": True, "is_private": ch.is_private,
            "is_archived": False, "is_member": BOT_USER in ch.members,
            "is_shared": False, "is_ext_shared": False, "num_members": len(ch.members),
            "topic": {"value": ch.topic}, "purpose": {"value": ch.purpose},
        }  # fmt: skip

    def _conversations_create(self, args: Answer) -> Answer:
        name = str(args.get("name", ""))
        if not name:
            return _error("invalid_name_required")
        if len(name) > 80:
            return _error("invalid_name_maxlength")
        if not _CHANNEL_NAME.match(name):
            return _error("invalid_name_specials")
        if not any(c.isalnum() for c in name):
            return _error("invalid_name_punctuation")
        if any(ch.name == name for ch in self._channels.values()):
            return _error("name_taken")
        channel = _Channel(self._next_id("C"), name, _truthy(args.get("is_private")))
        self._channels[channel.id] = channel
        return {"channel": self._channel_json(channel)}

    def _known(self, args: Answer) -> _Channel | None:
        return self._channels.get(str(args.get("channel", "")))

    def _not_postable(self, channel_id: str) -> Answer | None:
        """Why the bot may not write to this channel, as Slack answers it; None if it may.
        A user id (`U…`, `W…`) or a DM (`D…`) is the bot's own conversation with that person.
        A private channel the bot is not in is invisible to it (`channel_not_found`); a public
        one it has not joined answers `not_in_channel`."""
        if channel_id[:1] in ("U", "W", "D"):
            return None
        channel = self._channels.get(channel_id)
        if channel is None or (channel.is_private and BOT_USER not in channel.members):
            return _error("channel_not_found")
        if BOT_USER not in channel.members:
            return _error("not_in_channel")
        return None

    def _set_topic(self, args: Answer) -> Answer:
        if refused := self._not_postable(str(args.get("channel", ""))):
            return refused
        if (ch := self._known(args)) is None:
            return _error("channel_not_found")
        ch.topic = str(args.get("topic", ""))
        return {"channel": self._channel_json(ch)}

    def _set_purpose(self, args: Answer) -> Answer:
        if refused := self._not_postable(str(args.get("channel", ""))):
            return refused
        if (ch := self._known(args)) is None:
            return _error("channel_not_found")
        ch.purpose = str(args.get("purpose", ""))
        return {"channel": self._channel_json(ch)}

    def _conversations_invite(self, args: Answer) -> Answer:
        if refused := self._not_postable(str(args.get("channel", ""))):
            return refused
        if (ch := self._known(args)) is None:
            return _error("channel_not_found")
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            return _error("no_user")
        present = [u for u in users if u in ch.members]
        if present and not _truthy(args.get("force")):
            errors = [{"user": u, "ok": False, "error": "already_in_channel"} for u in present]
            return _error("already_in_channel", errors=errors)
        ch.members.extend(u for u in users if u not in ch.members)
        return {"channel": self._channel_json(ch)}

    def _invite_shared(self, args: Answer) -> Answer:
        if self._known(args) is None:
            return _error("channel_not_found")
        targets = [t for key in ("emails", "user_ids") for t in str(args.get(key) or "").split(",")]
        if len([t for t in targets if t]) != 1:
            return _error("invalid_arguments")
        return {"invite_id": self._next_id("I"), "is_legacy_shared_channel": False}

    def _conversations_info(self, args: Answer) -> Answer:
        if (ch := self._known(args)) is None:
            return _error("channel_not_found")
        return {"channel": self._channel_json(ch)}

    def _conversations_members(self, args: Answer) -> Answer:
        if (ch := self._known(args)) is None:
            return _error("channel_not_found")
        return {"members": list(ch.members), "response_metadata": {"next_cursor": ""}}

    def _message_json(self, args: Answer, ts: str) -> Answer:
        keep = ("text", "blocks", "attachments", "thread_ts", "metadata")
        extra = {k: args[k] for k in keep if k in args}
        base = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "team": TEAM_ID, "ts": ts}
        return base | extra

    def _post_message(self, args: Answer) -> Answer:
        channel = str(args.get("channel", ""))
        if refused := self._not_postable(channel):
            return refused
        ts = self._next_ts()
        self._posted.add((channel, ts))
        self._delivered.append(args)
        return {"channel": channel, "ts": ts, "message": self._message_json(args, ts)}

    def _post_ephemeral(self, args: Answer) -> Answer:
        if refused := self._not_postable(str(args.get("channel", ""))):
            return refused
        return {"message_ts": self._next_ts()}

    def _chat_update(self, args: Answer) -> Answer:
        channel, ts = str(args.get("channel", "")), str(args.get("ts", ""))
        if refused := self._not_postable(channel):
            return refused
        if (channel, ts) not in self._posted:
            return _error("message_not_found")
        answer = {"channel": channel, "ts": ts, "text": args.get("text", "")}
        return answer | {"message": self._message_json(args, ts)}

    def _permalink(self, args: Answer) -> Answer:
        channel, ts = str(args.get("channel", "")), str(args.get("message_ts", ""))
        link = f"https://mhclg.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"channel": channel, "permalink": link}

    def _pins_add(self, args: Answer) -> Answer:
        key = (str(args.get("channel", "")), str(args.get("timestamp", "")))
        if refused := self._not_postable(key[0]):
            return refused
        if key not in self._posted:
            return _error("message_not_found")
        if key in self._pins:
            return _error("already_pinned")
        self._pins.add(key)
        return {}

    def _view(self, args: Answer) -> Answer:
        submitted = args.get("view")
        if not isinstance(submitted, dict):
            return _error("invalid_arguments")
        view_id = str(args.get("view_id") or "")
        if view_id:
            old = self._views.get(view_id)
            if old is None:
                return _error("not_found")
            if args.get("hash") and args["hash"] != old["hash"]:
                return _error("hash_conflict")
        else:
            view_id = self._next_id("V")
        view = {
            "id": view_id, "team_id": TEAM_ID, "app_id": "A0CIR", "bot_id": BOT_ID,
            "private_metadata": "", "callback_id": "", "state": {"values": {}},
            "root_view_id": view_id, "previous_view_id": None, **submitted,
            "hash": f"{int(time.time())}.{self._next_id('h')}",
        }  # fmt: skip
        self._views[view_id] = view
        return {"view": view}

    def _users_info(self, args: Answer) -> Answer:
        if (fault := self._user_faults.get(str(args.get("user", "")))) is not None:
            return _error(fault)
        user = self._users.get(str(args.get("user", "")))
        return {"user": user} if user else _error("user_not_found")

    def _usergroup_users(self, args: Answer) -> Answer:
        users = self._usergroups.get(str(args.get("usergroup", "")))
        return {"users": list(users)} if users is not None else _error("no_such_subteam")

    def _upload_url(self, args: Answer) -> Answer:
        if not args.get("filename") or not args.get("length"):
            return _error("invalid_arguments")
        upload = Upload(self._next_id("F"), str(args["filename"]))
        self._pending_uploads[upload.file_id] = upload
        return {"file_id": upload.file_id, "upload_url": f"{self._root}/upload/{upload.file_id}"}

    def _complete_upload(self, args: Answer) -> Answer:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            return _error("invalid_arguments")
        channel = str(args.get("channel_id") or "")
        if channel and (refused := self._not_postable(channel)):
            return refused
        done: list[Answer] = []
        for entry in entries:
            upload = self._pending_uploads.pop(str(entry.get("id")), None)
            if upload is None:
                return _error("file_not_found")
            upload.title = str(entry.get("title") or upload.filename)
            upload.channel = str(args.get("channel_id") or args.get("channels") or "")
            self.uploads.append(upload)
            done.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
        return {"files": done}

    def _files_upload(self, args: Answer) -> Answer:
        """The retired one-step upload, kept because older code paths may still call it."""
        data = args.get("file", args.get("content", b""))
        data = data.encode() if isinstance(data, str) else data
        if not data:
            return _error("no_file_data")
        name = str(args.get("filename") or "file")
        upload = Upload(self._next_id("F"), name, str(args.get("title") or name))
        upload.channel, upload.data = str(args.get("channels") or ""), data
        self.uploads.append(upload)
        return {"file": {"id": upload.file_id, "name": upload.filename, "title": upload.title}}
