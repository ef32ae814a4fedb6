"""Who acted, and where, in each kind of Slack payload (`handlers.acting.Asker`)."""

from __future__ import annotations

from typing import Any

from handlers.acting import Asker


def of_action(body: dict[str, Any]) -> Asker:
    """A button press or a shortcut. The presser's own team is `user.team_id`: in Slack Connect
    the payload's `team` is the installer's."""
    user = body["user"]
    return Asker(user["id"], user.get("team_id", ""), (body.get("channel") or {}).get("id", ""))


def of_command(command: dict[str, Any]) -> Asker:
    """A slash command names no team of the person's own: identity asks Slack."""
    return Asker(command["user_id"], "", command.get("channel_id", ""))
