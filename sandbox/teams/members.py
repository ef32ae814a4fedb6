"""GET /v3/conversations/{id}/members/{memberId} as Teams answers it: the one member's
`TeamsChannelAccount`, or 404 `MemberNotFoundInConversation` for someone not in the
conversation's roster.

The shape is botbuilder's `TeamsChannelAccount` (`id`, `name`, `aadObjectId`, `givenName`,
`surname`, `email`, `userPrincipalName`, `tenantId`, `userRole`); Teams' own documentation
names the object id `objectId`, so both are given. `tenantId` is the conversation's tenant (the
directory the account is in: a guest's is the host's), and `userRole` is "user" for a member
and "guest" for a B2B guest, unless a test makes Teams say otherwise (`Person.reported_role`,
as Microsoft saw it answer "user" for a guest)."""

from __future__ import annotations

from typing import Any

from sandbox.teams.directory import Conversation, Directory
from sandbox.teams.rules import Refusal

NOT_FOUND = ("MemberNotFoundInConversation", "Member not found in conversation.")


def member_account(
    directory: Directory, conversation: Conversation, member_id: str
) -> dict[str, Any]:
    person = directory.member(conversation, member_id)
    if person is None:
        raise Refusal(404, *NOT_FOUND)
    given, _, surname = person.name.partition(" ")
    return {
        "id": person.user_id,
        "name": person.name,
        "aadObjectId": person.aad_object_id,
        "objectId": person.aad_object_id,
        "givenName": given,
        "surname": surname,
        "email": person.email,
        "userPrincipalName": person.user_principal_name,
        "tenantId": conversation.tenant_id,
        "userRole": person.user_role,
    }
