"""The teams-edge rig's Bot Connector, made to answer as the real one does about size: a message
activity over Teams' limit (about 28 KB) is refused with 413 and Teams' error body."""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiohttp import web

from tests.teams_rig import TeamsRig

SIZE_LIMIT = 28 * 1024


@dataclass
class SizedTeamsRig(TeamsRig):
    async def _v3(self, request: web.Request) -> web.Response:
        body = await request.read()
        if "/activities" in request.path and len(body) > SIZE_LIMIT:
            too_big = {"error": {"code": "MessageSizeTooBig", "message": "Message too large"}}
            return web.json_response(too_big, status=413)
        return await super()._v3(request)

    def activities_to(self, conversation: str) -> list[tuple[str, dict]]:
        """(method, activity) of each send or update in `conversation`, in order."""
        return [
            (method, body)
            for method, path, body, _ in self.calls
            if f"/v3/conversations/{conversation}/activities" in path
        ]


def card_text(activity: dict) -> str:
    return json.dumps(activity["attachments"][0]["content"], ensure_ascii=False)
