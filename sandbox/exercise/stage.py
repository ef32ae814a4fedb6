"""The Slack stand-in as an exercise's stage: what people see is what the stand-in delivered,
and a person's message goes into the stand-in's channel. With the sandbox's workspace behind
the stand-in, the message is posted there, where the browser page shows it."""

from __future__ import annotations

from typing import Any

from sandbox.exercise.cast import Person


class StandInStage:
    def __init__(self, api: Any) -> None:
        self.api = api
        self.said: list[dict[str, Any]] = []  # people's messages, in order

    def messages(self) -> list[dict[str, Any]]:
        return list(self.api.messages())

    def views(self) -> list[dict[str, Any]]:
        opened = self.api.calls_to("views.open") + self.api.calls_to("views.push")
        return [call["view"] for call in opened if isinstance(call.get("view"), dict)]

    async def say(self, person: Person, channel: str, text: str) -> None:
        message = {"channel": channel, "user": person.user_id, "text": text}
        self.said.append(message)
        workspace = getattr(self.api, "workspace", None)
        post = getattr(workspace, "post_as", None)
        if post is not None:  # the sandbox's workspace: shown in the browser page
            post(person.user_id, channel, text)
