"""The exercise's HTTP routes, for the sandbox page to mount beside its own:

    GET  /sandbox/exercise                    what is shown on every screen (mode: EXERCISE and
                                              the clock's speed, `banner`), the scenarios, the one
                                              being played, its log and the incidents' references
    POST /sandbox/exercise/start              {"scenario": "ransomware"}: start playing it
                                              (400 naming the mistake in a bad file, 409 while
                                              another is being played)
    GET  /sandbox/exercise/timeline.json      every incident's timeline, marked EXERCISE
    GET  /sandbox/exercise/report/{ref}.pdf   an incident's report, EXERCISE on every page

`mount(app, control)` adds them; `ExerciseControl` holds the bot's unit of work and context
and what the runner needs to act (the signed-request sender and the workspace)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.domain.errors import InvalidInput, NotFound
from bot.usecases.context import CoreContext
from sandbox.exercise.downloads import references, report_pdf, timeline_export
from sandbox.exercise.runner import Entry, Runner, Send, Stage
from sandbox.exercise.scenario import (
    SCENARIOS_DIR,
    Scenario,
    ScenarioError,
    available,
    find,
    load_scenario,
)
from storage.uow import SqlUnitOfWork

PREFIX = "/sandbox/exercise"


@dataclass
class ExerciseControl:
    uows: Callable[[], SqlUnitOfWork]
    ctx: CoreContext
    send: Send
    stage: Stage
    scenarios_dir: Path = SCENARIOS_DIR
    scenario: Scenario | None = None
    runner: Runner | None = None
    task: asyncio.Task[list[Entry]] | None = None
    log: list[str] = field(default_factory=list)

    @property
    def playing(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, name: str) -> Scenario:
        """Raises ScenarioError for a bad or unknown file, RuntimeError while one is played or
        outside an exercise (what a scenario does must be marked EXERCISE everywhere)."""
        if not self.ctx.mode.exercise:
            raise RuntimeError("start the sandbox with --exercise to play a scenario")
        if self.playing:
            raise RuntimeError(f"{self.scenario.name if self.scenario else 'a scenario'} is "
                               "still being played")  # fmt: skip
        scenario = load_scenario(find(name, self.scenarios_dir), self.ctx.policy)
        self.scenario, self.log = scenario, []
        self.runner = Runner(
            scenario, self.ctx.policy, self.send, self.stage, self.ctx.clock,
            on_entry=lambda entry: self.log.append(entry.line()),
        )  # fmt: skip
        self.task = asyncio.create_task(self.runner.run(), name=f"exercise-{name}")
        return scenario

    def status(self) -> dict[str, Any]:
        mode = self.ctx.mode
        scenarios = []
        for name in available(self.scenarios_dir):
            try:
                found = load_scenario(find(name, self.scenarios_dir))
                scenarios.append({"name": name, "title": found.title, "summary": found.summary})
            except ScenarioError as exc:
                scenarios.append({"name": name, "error": str(exc)})
        runner = self.runner
        return {
            "exercise": mode.exercise,
            "speed": mode.speed,
            "banner": mode.banner(),
            "now": self.ctx.clock.now().isoformat(),
            "scenarios": scenarios,
            "scenario": self.scenario.name if self.scenario else None,
            "playing": self.playing,
            "started_at": runner.started_at.isoformat() if runner and runner.started_at else None,
            "log": list(self.log),
        }


CONTROL = web.AppKey("exercise_control", ExerciseControl)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, default=str))


async def _status(request: web.Request) -> web.Response:
    control = request.app[CONTROL]
    return _json(control.status() | {"incidents": await references(control.uows)})


async def _start(request: web.Request) -> web.Response:
    control = request.app[CONTROL]
    try:
        body = await request.json()
    except ValueError:
        return _json({"error": 'send {"scenario": "<name>"} as JSON'}, 400)
    name = body.get("scenario") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name:
        return _json({"error": 'send {"scenario": "<name>"} as JSON'}, 400)
    try:
        control.start(name)
    except ScenarioError as exc:
        return _json({"error": str(exc)}, 400)
    except RuntimeError as exc:
        return _json({"error": str(exc)}, 409)
    return _json(control.status(), 202)


async def _timeline(request: web.Request) -> web.Response:
    control = request.app[CONTROL]
    name = control.scenario.name if control.scenario else ""
    record = await timeline_export(control.uows, control.ctx, name)
    response = _json(record)
    filename = f"exercise-{name or 'timeline'}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


async def _report(request: web.Request) -> web.Response:
    control = request.app[CONTROL]
    reference = request.match_info["reference"]
    try:
        pdf = await report_pdf(control.uows, control.ctx, reference)
    except (NotFound, InvalidInput) as exc:
        return _json({"error": str(exc)}, 404)
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{reference}-exercise-report.pdf"'},
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _as_is(handler: Handler) -> Handler:
    return handler


def mount(
    app: web.Application,
    control: ExerciseControl,
    prefix: str = PREFIX,
    guard: Callable[[Handler], Handler] = _as_is,
) -> None:
    """`guard` wraps every route: the sandbox passes the page's own check (localhost only, and
    no POST without the page's token), so starting a scenario is refused as the page's own
    POSTs are."""
    app[CONTROL] = control
    app.router.add_get(prefix, guard(_status))
    app.router.add_post(f"{prefix}/start", guard(_start))
    app.router.add_get(f"{prefix}/timeline.json", guard(_timeline))
    app.router.add_get(prefix + "/report/{reference}.pdf", guard(_report))
