"""`/cir <subcommand>`: each listener module may offer subcommands; the `/cir` listener
acknowledges at once and runs the chosen one in the background."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from handlers.slack.context import SlackDeps

# (deps, the slash command payload, the words after the subcommand)
Run = Callable[[SlackDeps, dict[str, Any], list[str]], Awaitable[None]]


@dataclass(frozen=True)
class Subcommand:
    usage: str  # e.g. "/cir note <text>"
    help: str  # one line: what it does
    run: Run
    # It opens a form (its trigger id lives 3 s): run as a form, not as ordinary work
    # (handlers.tasks.BackgroundTasks.spawn_form).
    opens_form: bool = False
