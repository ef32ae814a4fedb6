"""The Web API methods the stand-in answers, one module per family, each method a function of
the workspace and the call's arguments returning Slack's answer (without `ok` when it succeeded).
Every method here is listed in methods.json (gen_methods.py) with the arguments Slack knows."""

from __future__ import annotations

from collections.abc import Callable

from sandbox.slack.answers import Answer
from sandbox.slack.methods import chat, conversations, files, people, pins, views
from sandbox.slack.workspace import Workspace

Method = Callable[[Workspace, Answer], Answer]

METHODS: dict[str, Method] = {
    "auth.test": people.auth_test,
    "conversations.create": conversations.create,
    "conversations.setTopic": conversations.set_topic,
    "conversations.setPurpose": conversations.set_purpose,
    "conversations.invite": conversations.invite,
    "conversations.inviteShared": conversations.invite_shared,
    "conversations.info": conversations.info,
    "conversations.members": conversations.members,
    "chat.postMessage": chat.post_message,
    "chat.update": chat.update,
    "chat.postEphemeral": chat.post_ephemeral,
    "chat.getPermalink": chat.permalink,
    "pins.add": pins.add,
    "views.open": views.open_view,
    "views.push": views.push,
    "views.update": views.update,
    "views.publish": views.publish,
    "users.info": people.users_info,
    "usergroups.users.list": people.usergroup_users,
    "files.getUploadURLExternal": files.upload_url,
    "files.completeUploadExternal": files.complete_upload,
    "files.upload": files.legacy_upload,
}
