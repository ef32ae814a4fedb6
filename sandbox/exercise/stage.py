"""The Slack stand-in as an exercise's stage: what people see is what the stand-in delivered,
and a person's message goes into the stand-in's workspace, where the browser page shows it."""

from __future__ import annotations

from typing import Any

from sandbox.exercise.cast import Person
from sandbox.slack.workspace import Message


class StandInStage:
    def __init__(self, api: Any) -> None:
        self.api = api
        self.said: list[dict[str, Any]] = []  # people's messages, in order

    def messages(self) -> list[dict[str, Any]]:
        return list(self.api.messages())

    def views(self) -> list[dict[str, Any]]:
        opened = self.api.calls_to("views.open") + self.api.calls_to("views.push")
        return [call["view"] for call in opened if isinstance(call.get("view"), dict)]

    def trigger(self, person: Person) -> str | None:
        """A trigger id the workspace issued for this person's press, as Slack's client gets
        one: a complete workspace (the sandbox's) refuses a modal opened with any other."""
        trigger: str | None = self.api.workspace.new_trigger(person.user_id)
        return trigger

    async def say(self, person: Person, channel: str, text: str) -> None:
        """Posted in the workspace, where the browser page shows it."""
        self.said.append({"channel": channel, "user": person.user_id, "text": text})
        workspace = self.api.workspace
        found = workspace.conversation(channel)
        if found is None:
            raise ValueError(f"there is no channel {channel}")
        if person.user_id not in found.members:
            found.members.append(person.user_id)
        workspace.post(Message(workspace.next_ts(), channel, person.user_id, text))
