"""Who is who: the bot's own identity (auth.test), people (users.info) and user groups."""

from __future__ import annotations

from sandbox.slack.answers import Answer, error
from sandbox.slack.workspace import BOT_ID, BOT_USER, TEAM_ID, TEAM_NAME, Workspace


def auth_test(ws: Workspace, args: Answer) -> Answer:
    return {
        "url": "https://mhclg.slack.com/", "team": TEAM_NAME, "user": "cir_bot",
        "team_id": TEAM_ID, "user_id": BOT_USER, "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }  # fmt: skip


def users_info(ws: Workspace, args: Answer) -> Answer:
    user_id = str(args.get("user", ""))
    if (fault := ws.user_faults.get(user_id)) is not None:
        return error(fault)
    person = ws.people.get(user_id)
    return {"user": person.json()} if person else error("user_not_found")


def usergroup_users(ws: Workspace, args: Answer) -> Answer:
    users = ws.usergroups.get(str(args.get("usergroup", "")))
    return {"users": list(users)} if users is not None else error("no_such_subteam")
