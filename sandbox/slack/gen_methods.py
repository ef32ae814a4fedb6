"""Writes `methods.json`: the Web API methods the Slack stand-in answers and the argument
names Slack's OpenAPI spec lists for each, so the stand-in can refuse a method or an argument
that real Slack does not know instead of answering `ok` to anything.

The spec (github.com/slackapi/slack-api-specs, web-api/slack_web_openapi_v2.json) dates from
2020: methods and arguments added since are listed by hand in NEWER below, each with the Slack
method page that documents it. Run it again when the stand-in learns a new method:

    git -C <clone of slackapi/slack-api-specs> show HEAD:web-api/slack_web_openapi_v2.json \\
        > /tmp/spec.json
    .venv/bin/python -m sandbox.slack.gen_methods /tmp/spec.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("methods.json")

# The methods the stand-in implements (methods/__init__.py METHODS); a test keeps both in step.
FROM_SPEC = [
    "auth.test",
    "chat.getPermalink",
    "chat.postEphemeral",
    "chat.postMessage",
    "chat.update",
    "conversations.create",
    "conversations.info",
    "conversations.invite",
    "conversations.members",
    "conversations.setPurpose",
    "conversations.setTopic",
    "files.upload",
    "pins.add",
    "usergroups.users.list",
    "users.info",
    "views.open",
    "views.publish",
    "views.push",
    "views.update",
]

# Methods and arguments Slack added after the 2020 spec.
NEWER: dict[str, list[str]] = {
    # https://docs.slack.dev/reference/methods/files.getUploadURLExternal
    "files.getUploadURLExternal": ["filename", "length", "alt_txt", "snippet_type"],
    # https://docs.slack.dev/reference/methods/files.completeUploadExternal
    "files.completeUploadExternal": (
        "files channel_id channels initial_comment thread_ts blocks".split()
    ),
    # https://docs.slack.dev/reference/methods/conversations.inviteShared
    "conversations.inviteShared": ["channel", "emails", "user_ids", "external_limited"],
    # https://docs.slack.dev/reference/methods/chat.postMessage (metadata, markdown_text)
    "chat.postMessage": ["metadata", "markdown_text"],
    # https://docs.slack.dev/reference/methods/chat.update (file_ids, reply_broadcast, ...)
    "chat.update": ["file_ids", "reply_broadcast", "metadata", "markdown_text"],
    # https://docs.slack.dev/reference/methods/chat.postEphemeral (markdown_text)
    "chat.postEphemeral": ["markdown_text"],
    # https://docs.slack.dev/reference/methods/conversations.create (team_id)
    "conversations.create": ["team_id"],
    # https://docs.slack.dev/reference/methods/conversations.invite (force)
    "conversations.invite": ["force"],
    # https://docs.slack.dev/reference/methods/views.open (interactivity_pointer)
    "views.open": ["interactivity_pointer"],
    # https://docs.slack.dev/reference/methods/views.push (interactivity_pointer)
    "views.push": ["interactivity_pointer"],
}


# Arguments every method takes. slack_sdk's client sends `team_id` on every call when it was
# built with one, as Bolt builds each request's client
# (slack_sdk/web/async_base_client.py default_params); org-wide apps need it on any method.
ANY_METHOD = ["team_id"]


def build(spec: dict[str, Any]) -> dict[str, list[str]]:
    methods: dict[str, list[str]] = {}
    for name in FROM_SPEC:
        operations = spec["paths"]["/" + name].values()
        params = {p["name"] for op in operations for p in op.get("parameters", [])}
        methods[name] = sorted(params - {"token"})  # the token travels in the header
    for name, extra in NEWER.items():
        methods[name] = sorted(set(methods.get(name, [])) | set(extra))
    return {name: sorted(set(args) | set(ANY_METHOD)) for name, args in sorted(methods.items())}


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    OUT.write_text(json.dumps(build(spec), indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
