"""Plays a scenario against the running bot the way its people would: each step is what Slack
sends when that person submits a form or presses a button (a signed request to /slack/events),
or a message they post in a channel of the workspace. What the bot did is found where people
find it: the incident's card in the triage channel, the page in the provider's channel.

Each council's steps are played in order at their minute of the service's clock; councils are
played side by side, so a mass event's twenty referrals arrive as they would, not one after the
other's whole story. A step that fails (the bot refused it, or its result never showed) is
logged with what went wrong and the exercise carries on with what it can still do.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp

from bot.domain.clock import Clock, speed_of
from bot.policy.model import Policy
from bot.views.actions import Action, Form
from sandbox.exercise import requests as rq
from sandbox.exercise.cast import (
    ASSESSOR,
    DUTY_MANAGER,
    OUTSIDER,
    Person,
    council_contact,
    responder,
)
from sandbox.exercise.scenario import Scenario, Step
from sandbox.slack import signed_requests as sr

log = logging.getLogger(__name__)

Send = Callable[[str], Awaitable[tuple[int, str]]]
WaitUntil = Callable[[datetime], Awaitable[None]]


class Stage(Protocol):
    """The workspace the people and the bot share."""

    def messages(self) -> list[dict[str, Any]]:
        """Every message delivered so far: Slack's chat.postMessage arguments (channel, text,
        blocks)."""
        ...

    async def say(self, person: Person, channel: str, text: str) -> None:
        """Post `text` in `channel` as `person`."""
        ...

    def views(self) -> list[dict[str, Any]]:
        """Every modal the bot opened or pushed so far (Slack's view objects)."""
        ...

    def trigger(self, person: Person) -> str | None:
        """A trigger id for a press by this person, if the workspace issues them."""
        ...


def http_sender(session: aiohttp.ClientSession, url: str, secret: str) -> Send:
    """Requests signed as Slack signs them, to the bot's /slack/events."""

    async def send(body: str) -> tuple[int, str]:
        return await sr.post(session, url, body, secret)

    return send


class LazySender:
    """Like http_sender, for a server whose address is known only once it is listening: the
    session opens on the first request, the URL is read at each; `close()` when done."""

    def __init__(self, url: Callable[[], str], secret: str) -> None:
        self._url, self._secret = url, secret
        self._session: aiohttp.ClientSession | None = None

    async def __call__(self, body: str) -> tuple[int, str]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return await sr.post(self._session, self._url(), body, self._secret)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


async def wait_on_clock(clock: Clock, when: datetime) -> None:
    """Sleep until the service clock reads `when` (a scaled clock gets there sooner)."""
    while (left := (when - clock.now()).total_seconds()) > 0:  # noqa: ASYNC110 - a clock, not an event
        await asyncio.sleep(min(left / speed_of(clock), 1.0))


@dataclass
class Entry:
    step: Step
    at: datetime  # the service clock when it was played
    ok: bool
    detail: str = ""
    answered_ms: float | None = None  # the bot's HTTP answer to the person's request

    def line(self) -> str:
        took = f" (answered in {self.answered_ms:.0f} ms)" if self.answered_ms is not None else ""
        return f"{'ok' if self.ok else 'FAILED'} {self.step.describe()}{took}" + (
            f": {self.detail}" if self.detail else ""
        )


@dataclass
class _Incident:
    council: str
    incident_id: str = ""
    assessment_id: str = ""
    provider: str = ""
    paging: str = ""


class StepFailed(Exception):
    pass


def _buttons(node: Any) -> Iterator[tuple[str, str]]:
    """(action_id, value) of every button anywhere in a message's blocks."""
    if isinstance(node, dict):
        if node.get("type") == "button" and isinstance(node.get("value"), str):
            yield str(node.get("action_id", "")).split(":", 1)[0], node["value"]
        for value in node.values():
            yield from _buttons(value)
    elif isinstance(node, list):
        for value in node:
            yield from _buttons(value)


def _text_of(message: dict[str, Any]) -> str:
    blocks = message.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks) if blocks[:1] == "[" else []
    return f"{message.get('text', '')} {json.dumps(blocks or [])}"


@dataclass
class Runner:
    scenario: Scenario
    policy: Policy
    send: Send
    stage: Stage
    clock: Clock
    wait_until: WaitUntil | None = None
    patience: float = 15.0  # real seconds to wait for what a step caused to show
    log: list[Entry] = field(default_factory=list)
    # (what the step did, ms the bot took to answer, when it was sent: monotonic s) per request
    answers: list[tuple[str, float, float]] = field(default_factory=list)
    on_entry: Callable[[Entry], None] | None = None

    def __post_init__(self) -> None:
        self._incidents: dict[str, _Incident] = {}
        self._start: datetime | None = None
        self._multiple = {q.id for q in self.policy.questionnaire.questions if q.multiple}
        self._paging = {p.paging_channel: p.id for p in self.policy.providers.values()}
        # what the scan of the delivered messages found so far (see _scan)
        self._scanned = 0
        self._cards: list[tuple[str, str]] = []  # triage card text, incident id
        self._pages: dict[str, str] = {}  # incident id -> paging channel
        self._rooms: dict[str, str] = {}  # incident id -> its channel

    @property
    def started_at(self) -> datetime | None:
        return self._start

    def incident_ids(self) -> dict[str, str]:
        """Council id -> incident id, for the incidents the exercise opened so far."""
        return {c: i.incident_id for c, i in self._incidents.items() if i.incident_id}

    async def run(self) -> list[Entry]:
        self._start = self.clock.now()
        by_council: dict[str, list[Step]] = {}
        for step in self.scenario.steps:
            by_council.setdefault(step.council, []).append(step)
        await asyncio.gather(*(self._play(c, steps) for c, steps in by_council.items()))
        return self.log

    async def _play(self, council: str, steps: list[Step]) -> None:
        incident = self._incidents.setdefault(council, _Incident(council))
        assert self._start is not None
        wait = self.wait_until or (lambda when: wait_on_clock(self.clock, when))
        for step in steps:
            await wait(self._start + timedelta(minutes=step.at))
            entry = Entry(step, self.clock.now(), ok=True)
            try:
                await self._do(step, incident, entry)
            except StepFailed as exc:
                entry.ok, entry.detail = False, str(exc)
            except Exception as exc:  # a broken step must not end the exercise
                log.exception("exercise step failed")
                entry.ok, entry.detail = False, f"{type(exc).__name__}: {exc}"
            self.log.append(entry)
            if self.on_entry is not None:
                self.on_entry(entry)

    # --- the steps -----------------------------------------------------------------------

    async def _request(self, body: str, entry: Entry) -> dict[str, Any]:
        began = time.monotonic()
        status, text = await self.send(body)
        entry.answered_ms = (time.monotonic() - began) * 1000
        self.answers.append((entry.step.do, entry.answered_ms, began))
        if status != 200:
            raise StepFailed(f"the bot answered HTTP {status}")
        answer = json.loads(text) if text.strip().startswith("{") else {}
        if answer.get("response_action") == "errors":
            raise StepFailed(f"the form was refused: {answer.get('errors')}")
        return answer

    def _person(self, step: Step, incident: _Incident) -> Person:
        if step.by == "provider":
            providers = self.policy.providers
            return responder(providers.get(incident.provider) or next(iter(providers.values())))
        if step.by == "council":
            council = self.policy.councils.get(step.council)
            if council is None:
                return council_contact(step.council)
            return council_contact(council.id, council.name, council.slack_team_id)
        return {"assessor": ASSESSOR, "duty_manager": DUTY_MANAGER, "outsider": OUTSIDER}[step.by]

    async def _do(self, step: Step, incident: _Incident, entry: Entry) -> None:
        args, triage = step.args, self.policy.mhclg.triage_channel
        if step.do == "refer":
            contact = self._person(Step(0, "council", "say", step.council), incident)
            body = rq.referral(
                self._person(step, incident), step.council, args, self.clock.now(), triage,
                contact,
            )  # fmt: skip
            await self._request(body, entry)
            incident.incident_id = await self._eventually(
                lambda: self._find_incident(step.council), f"{step.council}'s incident card"
            )
            return
        if not incident.incident_id and step.do != "say":
            raise StepFailed(f"{step.council} has no incident yet (was it referred?)")
        person = self._person(step, incident)
        if step.do == "assess":
            press = rq.press(
                person, Action.START_THRESHOLD_CHECK, incident.incident_id, triage,
                self.stage.trigger(person),
            )  # fmt: skip
            await self._request(press, entry)
            # a person answers the questions once the form is in front of them
            await self._eventually(
                lambda: self._find_view(Form.QUESTIONNAIRE.value, incident.incident_id),
                "the threshold questionnaire",
            )
            body = rq.questionnaire(person, incident.incident_id, args["answers"], self._multiple)
            answer = await self._request(body, entry)
            view = answer.get("view") or {}
            meta = json.loads(view.get("private_metadata") or "{}")
            incident.assessment_id = str(meta.get("assessment_id", ""))
            if not incident.assessment_id:
                raise StepFailed("the questionnaire did not lead to a recommendation")
        elif step.do == "decide":
            if not incident.assessment_id:
                raise StepFailed("decide needs an assess step before it")
            await self._request(rq.decision(person, incident.assessment_id, args), entry)
        elif step.do == "override_mou":
            await self._request(
                rq.override_mou(person, incident.incident_id, str(args["reason"])), entry
            )
        elif step.do == "activate":
            choice = str(args.get("provider", "on_duty"))
            await self._request(rq.activate(person, incident.incident_id, choice), entry)
        elif step.do in ("acknowledge", "contact"):
            await self._paged(incident)
            person = self._person(step, incident)
            if step.do == "acknowledge":
                body = rq.press(
                    person, Action.ACKNOWLEDGE_PAGE, incident.incident_id, incident.paging,
                    self.stage.trigger(person),
                )  # fmt: skip
            else:
                method, notes = str(args.get("method", "phone")), str(args.get("notes", ""))
                at = self.clock.now()
                body = rq.contact(person, incident.incident_id, at, method, notes or "Called.")
            await self._request(body, entry)
        elif step.do == "say":
            channel = triage if args.get("in") == "triage" else self._incident_channel(incident)
            await self.stage.say(person, channel, str(args["text"]))

    async def _paged(self, incident: _Incident) -> None:
        if incident.paging:
            return
        found = await self._eventually(
            lambda: self._find_page(incident.incident_id), "the provider's page"
        )
        incident.paging, incident.provider = found, self._paging[found]

    def _incident_channel(self, incident: _Incident) -> str:
        self._scan()
        channel = self._rooms.get(incident.incident_id)
        if channel is None:
            raise StepFailed(f"{incident.council}'s incident channel was not found")
        return channel

    # --- finding what the bot did, as people would ----------------------------------------

    def _scan(self) -> None:
        """Read the messages delivered since the last scan, once each: the triage cards, the
        pages in the providers' channels and the cards in incidents' own channels."""
        messages = self.stage.messages()
        triage = self.policy.mhclg.triage_channel
        for message in messages[self._scanned :]:
            channel = str(message.get("channel", ""))
            buttons = list(_buttons(message.get("blocks")))
            if channel == triage:
                text = _text_of(message)
                self._cards.extend(
                    (text, value)
                    for action, value in buttons
                    if action == Action.START_THRESHOLD_CHECK.value
                )
            elif channel in self._paging:
                for action, value in buttons:
                    if action == Action.ACKNOWLEDGE_PAGE.value:
                        self._pages.setdefault(value, channel)
            elif channel and channel[0] not in "UD":  # not a direct message
                for _, value in buttons:
                    self._rooms.setdefault(value, channel)
        self._scanned = len(messages)

    def _find_incident(self, council_id: str) -> str:
        self._scan()
        council = self.policy.councils.get(council_id)
        names = {council.name, html.escape(council.name, quote=False)} if council else set()
        taken = {i.incident_id for i in self._incidents.values()}
        for text, incident_id in self._cards:
            if incident_id not in taken and any(name in text for name in names):
                return incident_id
        return ""

    def _find_view(self, callback_id: str, incident_id: str) -> str:
        for view in self.stage.views():
            if view.get("callback_id") == callback_id and incident_id in str(
                view.get("private_metadata", "")
            ):
                return callback_id
        return ""

    def _find_page(self, incident_id: str) -> str:
        self._scan()
        return self._pages.get(incident_id, "")

    async def _eventually(self, find: Callable[[], str], what: str) -> str:
        give_up = time.monotonic() + self.patience
        while True:
            found = find()
            if found:
                return found
            if time.monotonic() > give_up:
                raise StepFailed(f"{what} did not appear within {self.patience:g} s")
            await asyncio.sleep(0.1)
