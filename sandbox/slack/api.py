"""A local Slack Web API: the real slack_sdk client and Bolt talk to it over HTTP, so tests cover
request encoding, retries and Slack's error answers instead of trusting a mocked client.

`POST /api/{method}` checks the token, then what Slack checks of the arguments (`rules`), then
answers from the workspace (`workspace`, changed by `methods/`). Every call is recorded, and a
test can queue faults per method (an error, a rate limit, an HTTP status, a delay)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.local_server import LocalServer
from sandbox.slack import rules as slack_rules
from sandbox.slack.answers import Answer, decoded, error, message_text
from sandbox.slack.faults import Faults
from sandbox.slack.methods import METHODS
from sandbox.slack.workspace import (
    BOT_ID,
    BOT_USER,
    TEAM_ID,
    TEAM_NAME,
    Channel,
    File,
    Person,
    Workspace,
)

__all__ = ["BOT_ID", "BOT_USER", "TEAM_ID", "TEAM_NAME", "Call", "FakeSlackApi", "message_text"]
_OUTAGE = "upstream connect error or disconnect/reset before headers. reset reason: overflow"
_HTML_500 = "<html><body><h1>Internal Server Error</h1></body></html>"
Upload = File  # the name the tests knew it by


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    at: float


class FakeSlackApi(LocalServer):
    """`POST /api/{method}` as Slack answers it, with every call recorded and faults on demand."""

    def __init__(self, workspace: Workspace | None = None) -> None:
        self.workspace = Workspace() if workspace is None else workspace
        self.calls: list[Call] = []
        # Every call answered ok: false, with the answer (faults asked for by a test excepted):
        # a test that drives the bot can assert Slack accepted all it sent.
        self.refusals: list[tuple[Call, Answer]] = []
        self.latency: float = 0.0
        self._faults = Faults()
        self.down: int | None = None  # every method answers this status as plain text (outage)
        self._root = ""

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024**2)
        app.router.add_route("POST", "/api/{method}", self._handle)
        app.router.add_route("GET", "/api/{method}", self._handle)  # users.info and other reads
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        self._root = await self._serve(app)
        self.workspace.upload_root = self._root

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
        self.workspace.add_person(Person(user_id, team_id, name, email, is_bot=is_bot, guest=guest))

    def fail_users_info_for(self, user_id: str, error: str = "fatal_error") -> None:
        """users.info answers `error` for this one user, every time, until `clear_user_faults`."""
        self.workspace.user_faults[user_id] = error

    def clear_user_faults(self) -> None:
        self.workspace.user_faults.clear()

    def set_usergroup(self, usergroup_id: str, user_ids: list[str]) -> None:
        self.workspace.usergroups[usergroup_id] = list(user_ids)

    def add_channel(
        self, channel_id: str, name: str, is_private: bool = False, members: list[str] | None = None
    ) -> None:
        """A channel that exists before the test, such as the triage channel."""
        channel = Channel(channel_id, name, is_private)
        if members is not None:
            channel.members = list(members)
        self.workspace.add_channel(channel)

    def join(self, channel_id: str, user_id: str) -> None:
        """A person joins a channel (by Slack Connect, or invited by someone other than the bot)."""
        self.workspace.channels[channel_id].members.append(user_id)
        self.workspace.touch()

    def members_of(self, channel_id: str) -> list[str]:
        return list(self.workspace.channels[channel_id].members)

    def fail_next(self, method: str, error: str = "name_taken", times: int = 1) -> None:
        self._faults.add(method, "error", error, times)

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        self._faults.add(method, "ratelimit", retry_after, times)

    def server_error_next(self, method: str, status: int = 500, times: int = 1) -> None:
        self._faults.add(method, "status", status, times)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        self._faults.add(method, "delay", seconds, times)

    def outage(self, status: int = 503) -> None:
        """Until `restore()`, every call is answered as Slack's edge answers in an outage: the
        status with a plain-text body, no JSON."""
        self.down = status

    def restore(self) -> None:
        self.down = None

    # --- what tests read -------------------------------------------------------------------

    @property
    def uploads(self) -> list[File]:
        return self.workspace.uploads

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def clear(self) -> None:
        """Forget what was recorded so far; channels, users, views and posted messages remain."""
        self.calls.clear()
        self.refusals.clear()
        self.workspace.uploads.clear()
        self.workspace.delivered.clear()

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """chat.postMessage args that Slack accepted: a rate-limited or failed attempt is in
        `calls` but never reached anyone, so it is not here."""
        delivered = self.workspace.delivered
        return [m for m in delivered if channel is None or m.get("channel") == channel]

    def newest_ts(self, channel: str) -> str:
        """The ts of the newest message everyone in a channel sees (ephemeral lines left out)."""
        return [m for m in self.workspace.channels[channel].messages if not m.ephemeral_to][-1].ts

    message_text = staticmethod(message_text)

    # --- HTTP ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:  # noqa: C901 (Slack's checks in Slack's order: token, faults, rules, method)
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
        args = {k: decoded(v) for k, v in args.items()}
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or args.pop(
            "token", ""
        )
        call = Call(method, args, time.monotonic())
        self.calls.append(call)
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.down is not None:
            return web.Response(text=_OUTAGE, status=self.down, content_type="text/plain")
        if (faulted := await self._fault(method)) is not None:
            return faulted
        if not token:
            return web.json_response(error("not_authed"))
        if not token.startswith(("xoxb-", "xoxp-")):
            return web.json_response(error("invalid_auth"))
        problems = slack_rules.check_call(method, args)
        if problems:
            refused = slack_rules.slack_answer(problems)
            if refused["error"] == "unknown_method":
                refused["req_method"] = method  # as Slack names the method it does not know
            self.refusals.append((call, refused))
            return web.json_response(refused)
        answer = METHODS[method](self.workspace, args)
        if answer.get("ok") is False:
            self.refusals.append((call, answer))
        return web.json_response({"ok": True, **answer} if "ok" not in answer else answer)

    async def _fault(self, method: str) -> web.Response | None:
        fault = self._faults.take(method)
        if fault is None:
            return None
        if fault.kind == "delay":
            await asyncio.sleep(fault.value)
            return None
        if fault.kind == "ratelimit":
            headers = {"Retry-After": str(fault.value)}
            return web.json_response(error("ratelimited"), status=429, headers=headers)
        if fault.kind == "status":
            if fault.value == 503:
                return web.json_response(error("service_unavailable"), status=503)
            return web.Response(text=_HTML_500, status=fault.value, content_type="text/html")
        return web.json_response(error(fault.value))

    async def _handle_upload(self, request: web.Request) -> web.Response:
        upload = self.workspace.pending_uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(text="file not found", status=404, content_type="text/plain")
        upload.data = await request.read()
        return web.Response(text=f"OK - {len(upload.data)}", content_type="text/plain")
