"""`/cir` and the "Report a cyber incident" shortcut: acknowledge, then open forms."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.domain.actors import Actor
from bot.usecases.directory import authorise_referral
from handlers.acting import Asker, acting
from handlers.slack.askers import of_command
from handlers.slack.context import SlackDeps
from handlers.slack.ids import Command, Shortcut
from handlers.slack.listeners import flows
from handlers.slack.listeners.subcommands import Subcommand
from handlers.slack.render.referral import referral_modal

BUILT_IN = [
    ("/cir report", "log a referral (opens a form)"),
    ("/cir assess [CIR-2026-0001]", "run the threshold check (reference optional in its channel)"),
    ("/cir retry CIR-2026-0001", "retry creating an incident's channel"),
    ("/cir duty", "who is MHCLG's duty manager now"),
]


def help_text(extra: dict[str, Subcommand]) -> str:
    lines = BUILT_IN + [(s.usage, s.help) for s in extra.values()] + [("/cir help", "this list")]
    return "*CIR bot commands*\n" + "\n".join(f"• `{usage}`: {what}" for usage, what in lines)


@acting
async def open_referral_form(deps: SlackDeps, actor: Actor, asker: Asker, trigger_id: str) -> None:
    """Only MHCLG's CIR team logs referrals, so only they get the form."""
    authorise_referral(actor)
    view = referral_modal(uuid.uuid4().hex, asker.channel)
    await deps.client.views_open(trigger_id=trigger_id, view=view)


def register(app: AsyncApp, deps: SlackDeps, extra: dict[str, Subcommand]) -> None:
    @app.command(Command.CIR.value)
    async def cir(ack: AsyncAck, command: dict[str, Any]) -> None:
        words = (command.get("text") or "").split()
        sub, args = (words[0].lower(), words[1:]) if words else ("help", [])
        asker, trigger = of_command(command), command["trigger_id"]
        if sub == "report":
            await ack()
            deps.tasks.spawn_form(open_referral_form(deps, asker, trigger))
        elif sub == "assess":
            await ack()
            target = args[0] if args else ""
            deps.tasks.spawn_form(flows.start_assessment(deps, asker, target, trigger))
        elif sub == "retry" and args:
            await ack()
            deps.tasks.spawn(flows.retry_channel(deps, asker, args[0]))
        elif sub == "duty":
            await ack()
            deps.tasks.spawn(flows.tell_duty(deps, asker))
        elif sub in extra:
            await ack()
            run = extra[sub].run(deps, command, args)
            if extra[sub].opens_form:
                deps.tasks.spawn_form(run)
            else:
                deps.tasks.spawn(run)
        else:
            await ack(text=help_text(extra))

    @app.shortcut(Shortcut.REPORT_INCIDENT.value)
    async def report_shortcut(ack: AsyncAck, shortcut: dict[str, Any]) -> None:
        await ack()
        user = shortcut.get("user") or {}
        asker = Asker(user.get("id", ""), user.get("team_id", ""))  # answered directly
        deps.tasks.spawn_form(open_referral_form(deps, asker, shortcut["trigger_id"]))
