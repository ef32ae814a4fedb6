"""`/api/messages` tried as a stranger and an attacker would, against Microsoft's published rules
for a bot's messaging endpoint (Bot Framework's "Authenticate requests from the Bot Connector
service": RS256 under a published key, iss api.botframework.com, aud the bot's app id, the
`serviceurl` claim equal to the activity's) and Teams' activity schema. Real HTTP to the real
aiohttp app, signed by the sandbox's stand-ins. Every refusal is a 4xx or a refusal in words,
never a 500, and changes nothing stored."""

from __future__ import annotations

import base64
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from bot.usecases.referral import open_referral
from bot.views.actions import Action, Form
from handlers.teams.flows import FLOWS
from handlers.teams.invoke import ON_SLACK
from tests.factories import referral_cmd
from tests.integration.activation_steps import snapshot
from tests.integration.response_steps import events, responding
from tests.integration.teams_harness import KPMG_TENANT, TeamsEnv

MESSAGE = "application/vnd.microsoft.activity.message"


async def ready(env: TeamsEnv) -> str:
    assert (await env.post(env.installed(env.kpmg, env.kim)))[0] == 200
    assert (await env.post(env.installed(env.hackney, env.hana)))[0] == 200
    return (await responding(env.container.uow, env.container.ctx)).id


async def stored_conversations(env: TeamsEnv) -> list[str]:
    found = []
    for conversation in (env.hackney, env.kpmg):
        async with env.container.uow() as uow:
            if await uow.conversations.by_id(conversation.id) is not None:
                found.append(conversation.id)
    return found


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


# --- authentication ---------------------------------------------------------------------------


def hs256(claims: dict[str, Any], kid: str, secret: bytes) -> str:
    signed = _b64({"alg": "HS256", "typ": "JWT", "kid": kid}) + "." + _b64(claims)
    mac = hmac.new(secret, signed.encode(), "sha256").digest()
    return signed + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def forged_tokens(env: TeamsEnv) -> dict[str, str]:
    identity, app, service = env.teams.identity, env.teams.app, env.teams.service_url
    key = identity.channel_key
    now = int(time.time())
    claims = {"serviceurl": service, "nbf": now - 5, "exp": now + 3600,
              "iss": "https://api.botframework.com", "aud": app.app_id}  # fmt: skip
    public_pem = key.public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other_bot = identity.register_app()
    no_exp = {k: v for k, v in claims.items() if k != "exp"}
    return {
        "unsigned": "",
        "alg none, published kid": _b64({"alg": "none", "kid": key.kid}) + "." + _b64(claims) + ".",
        # the classic confusion: the public key used as an HMAC secret
        # the classic confusion: the published public key used as an HMAC secret
        "HS256 with the public key": hs256(claims, key.kid, public_pem),
        "unknown kid": jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": "nope"}),
        "no exp": jwt.encode(no_exp, key.private, algorithm="RS256", headers={"kid": key.kid}),
        "expired": identity.mint(app.app_id, service, issued_at=time.time() - 7200),
        "wrong issuer": identity.mint(app.app_id, service, issuer="https://evil.example"),
        "wrong audience": identity.mint(
            app.app_id, service, audience="https://api.botframework.com"
        ),
        "another bot's token": identity.mint(other_bot.app_id, service),
        "serviceUrl claim mismatch": identity.mint(app.app_id, "https://smba.example.com/uk/"),
        "not yet valid": jwt.encode(
            {**claims, "nbf": now + 3600}, key.private, algorithm="RS256", headers={"kid": key.kid}
        ),
    }


TOKEN_CASES = [
    "unsigned", "alg none, published kid", "HS256 with the public key", "unknown kid", "no exp",
    "expired", "wrong issuer", "wrong audience", "another bot's token",
    "serviceUrl claim mismatch", "not yet valid",
]  # fmt: skip


@pytest.mark.parametrize("case", TOKEN_CASES)
async def test_a_token_bot_framework_did_not_sign_for_this_bot_is_a_401_and_stores_nothing(
    teams_env: TeamsEnv, case: str
) -> None:
    token = forged_tokens(teams_env)[case]
    header = f"Bearer {token}" if token else ""
    status, answer = await teams_env.post(
        teams_env.installed(teams_env.hackney, teams_env.hana), authorization=header
    )
    assert status == 401, answer
    assert answer["error"]["message"]
    assert await stored_conversations(teams_env) == []
    assert teams_env.said(teams_env.hackney) == []


async def test_the_body_is_not_read_before_the_token_is_checked(teams_env: TeamsEnv) -> None:
    status, answer = await teams_env.post(b"{not json at all", authorization="Bearer x.y.z")
    assert status == 401, answer  # not the parser's 400: a stranger never reaches it


async def test_a_huge_body_is_refused_with_413_before_it_is_parsed(teams_env: TeamsEnv) -> None:
    activity = teams_env.message(teams_env.hackney, teams_env.hana, "status")
    activity["padding"] = "x" * (1024 * 1024)
    status, answer = await teams_env.post(json.dumps(activity).encode())
    assert status == 413, answer
    assert "too large" in answer["error"]["message"]
    assert await stored_conversations(teams_env) == []


async def test_a_huge_body_sent_in_chunks_is_a_413(teams_env: TeamsEnv) -> None:
    """No Content-Length to refuse on: the body is read (the app caps it at 2 MiB) and refused
    on its length, before JSON parsing."""
    activity = teams_env.message(teams_env.hackney, teams_env.hana, "status")
    activity["padding"] = "x" * (512 * 1024)
    body = json.dumps(activity).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    header = teams_env.teams.identity.authorization(
        teams_env.teams.app.app_id, teams_env.teams.service_url
    )
    headers = {"Authorization": header, "Content-Type": "application/json"}
    async with teams_env.session.post(teams_env.url, data=chunks(), headers=headers) as response:
        status, answer = response.status, await response.json()
    assert status == 413, answer
    assert "too large" in answer["error"]["message"]
    assert await stored_conversations(teams_env) == []


async def test_a_huge_unsigned_body_is_refused_without_being_read(teams_env: TeamsEnv) -> None:
    status, _ = await teams_env.post(b"x" * (3 * 1024 * 1024), authorization="Bearer x.y.z")
    assert status == 401
    status, _ = await teams_env.post(b"x" * (3 * 1024 * 1024))  # signed, still never read
    assert status == 413


async def test_a_valid_token_replayed_with_the_same_activity_changes_nothing_twice(
    teams_env: TeamsEnv,
) -> None:
    """A Bot Framework token is not bound to one activity (Microsoft's design: it is good for an
    hour, for any activity to this bot from this serviceUrl). What the bot can do is refuse the
    same activity id a second time, and keep the token to its serviceUrl."""
    incident_id = await ready(teams_env)
    header = teams_env.teams.identity.authorization(
        teams_env.teams.app.app_id, teams_env.teams.service_url
    )
    note = teams_env.invoke(teams_env.hackney, teams_env.hana, Form.NOTE, incident_id, note="a")
    assert (await teams_env.post(note, authorization=header))[0] == 200
    assert (await teams_env.post(note, authorization=header))[0] == 200
    assert len(await events(teams_env.container.uow, incident_id, "NoteAdded")) == 1
    elsewhere = {**note, "serviceUrl": "https://smba.example.com/uk/", "id": "f:other"}
    status, _ = await teams_env.post(elsewhere, authorization=header)
    assert status == 401


# --- authorisation ----------------------------------------------------------------------------


async def test_a_council_cannot_act_on_another_councils_incident(teams_env: TeamsEnv) -> None:
    await ready(teams_env)
    ctx = teams_env.container.ctx
    other = await open_referral(
        referral_cmd(ctx.clock, council_id="copeland"), teams_env.container.uow(), ctx
    )
    before = await snapshot(teams_env.container.uow, other.id)
    for verb, inputs in [
        (Form.NOTE, {"note": "ours now"}),
        (Action.ADD_NOTE, {}),
        ("refresh", {}),
        (Form.LESSONS, {"went_well": "x", "improve": "y"}),
        (Form.DECLINE_SUPPORT, {"reason": "no"}),
    ]:
        activity = teams_env.invoke(teams_env.hackney, teams_env.hana, verb, other.id, **inputs)
        status, answer = await teams_env.post(activity)
        assert status == 200
        assert answer["type"] == MESSAGE, (verb, answer)
        assert "copeland" not in json.dumps(answer).lower()
    assert await snapshot(teams_env.container.uow, other.id) == before


async def test_the_providers_member_in_the_councils_conversation_is_no_one(
    teams_env: TeamsEnv,
) -> None:
    incident_id = await ready(teams_env)
    activity = teams_env.invoke(teams_env.hackney, teams_env.kim, Form.NOTE, incident_id, note="x")
    activity["conversation"]["tenantId"] = KPMG_TENANT
    activity["channelData"]["tenant"]["id"] = KPMG_TENANT
    status, answer = await teams_env.post(activity)
    assert status == 200, answer
    assert answer["type"] == MESSAGE
    assert await events(teams_env.container.uow, incident_id, "NoteAdded") == []


@pytest.mark.parametrize("field", ["conversation", "channelData"])
async def test_a_tenant_named_in_only_one_place_does_not_borrow_another_conversation(
    teams_env: TeamsEnv, field: str
) -> None:
    incident_id = await ready(teams_env)
    activity = teams_env.invoke(teams_env.hackney, teams_env.kim, Form.NOTE, incident_id, note="x")
    if field == "conversation":
        activity["conversation"]["tenantId"] = KPMG_TENANT
        del activity["channelData"]["tenant"]
    else:
        del activity["conversation"]["tenantId"]
        activity["channelData"]["tenant"]["id"] = KPMG_TENANT
    status, answer = await teams_env.post(activity)
    assert status == 200, answer
    assert answer["type"] == MESSAGE
    assert await events(teams_env.container.uow, incident_id, "NoteAdded") == []


async def test_two_tenants_in_one_activity_are_a_400(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env)
    activity = teams_env.invoke(teams_env.hackney, teams_env.hana, Form.NOTE, incident_id, note="x")
    activity["channelData"]["tenant"]["id"] = KPMG_TENANT
    status, answer = await teams_env.post(activity)
    assert status == 400, answer
    assert "differ" in answer["error"]["message"]
    assert await events(teams_env.container.uow, incident_id, "NoteAdded") == []


async def test_a_person_teams_does_not_name_is_refused(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env)
    activity = teams_env.invoke(teams_env.hackney, teams_env.hana, Form.NOTE, incident_id, note="x")
    del activity["from"]["aadObjectId"]
    status, answer = await teams_env.post(activity)
    assert status == 400, answer
    assert "aadObjectId" in answer["error"]["message"]
    assert await events(teams_env.container.uow, incident_id, "NoteAdded") == []


MHCLG_ONLY = sorted(
    {str(v) for v in ON_SLACK}
    | {str(f) for f in Form if str(f) not in FLOWS}
    | {str(a) for a in Action if str(a) not in FLOWS and a not in ON_SLACK}
)


@pytest.mark.parametrize("verb", MHCLG_ONLY)
async def test_what_teams_does_not_do_is_refused_in_words_and_changes_nothing(
    teams_env: TeamsEnv, verb: str
) -> None:
    incident_id = await ready(teams_env)
    before = await snapshot(teams_env.container.uow, incident_id)
    activity = teams_env.invoke(teams_env.hackney, teams_env.hana, verb, incident_id)
    status, answer = await teams_env.post(activity)
    assert status == 200, answer
    assert answer["type"] == MESSAGE
    assert await snapshot(teams_env.container.uow, incident_id) == before


@pytest.mark.parametrize(
    "verb", ["__class__", "REFRESH", "note_form ", "x" * 64, "acknowledge_page\u200b", "../admin"]
)
async def test_a_verb_that_is_no_action_is_refused_in_words(teams_env: TeamsEnv, verb: str) -> None:
    incident_id = await ready(teams_env)
    activity = teams_env.invoke(teams_env.hackney, teams_env.hana, verb, incident_id, note="x")
    status, answer = await teams_env.post(activity)
    assert status == 200, answer
    assert answer["type"] == MESSAGE
    assert "not one the CIR bot knows" in answer["value"]
    assert await events(teams_env.container.uow, incident_id, "NoteAdded") == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"value": ["a"]}, "not text"),
        ({"value": None}, "not text"),
        ({"note": {"$gt": ""}}, "not text"),
        ({"note": "x" * 30_000}, "too long"),
    ],
)
async def test_data_of_the_wrong_shape_is_a_400(
    teams_env: TeamsEnv, data: dict[str, Any], reason: str
) -> None:
    incident_id = await ready(teams_env)
    activity = teams_env.invoke(teams_env.hackney, teams_env.hana, Form.NOTE, incident_id)
    activity["value"]["action"]["data"] = {"value": incident_id, **data}
    status, answer = await teams_env.post(activity)
    assert status == 400, answer
    assert reason in answer["error"]["message"]
    assert await events(teams_env.container.uow, incident_id, "NoteAdded") == []


@pytest.mark.parametrize("name", ["task/fetch", "composeExtension/query", "signin/verifyState"])
async def test_other_invokes_are_not_handled_and_change_nothing(
    teams_env: TeamsEnv, name: str
) -> None:
    incident_id = await ready(teams_env)
    activity = teams_env.invoke(teams_env.hackney, teams_env.hana, Form.NOTE, incident_id, note="x")
    activity["name"] = name
    status, _ = await teams_env.post(activity)
    assert status == 501  # Bot Framework's answer to an invoke a bot does not handle
    assert await events(teams_env.container.uow, incident_id, "NoteAdded") == []


# --- robustness -------------------------------------------------------------------------------


async def test_a_body_that_is_not_json_by_its_content_type_is_a_415(teams_env: TeamsEnv) -> None:
    activity = teams_env.installed(teams_env.hackney, teams_env.hana)
    header = teams_env.teams.identity.authorization(
        teams_env.teams.app.app_id, teams_env.teams.service_url
    )
    async with teams_env.session.post(
        teams_env.url,
        data=json.dumps(activity),
        headers={"Authorization": header, "Content-Type": "text/plain"},
    ) as response:
        status, answer = response.status, await response.json()
    assert status == 415, answer
    assert "application/json" in answer["error"]["message"]
    assert await stored_conversations(teams_env) == []


@pytest.mark.parametrize(
    "note",
    [
        "\ud800 lone surrogate",
        "nul \u0000 inside",
        "\u202eevil\u202c rtl override",
        "e\u0301 combining, 👩‍👩‍👧 zwj, \ufeff bom",
    ],
    ids=["surrogate", "nul", "bidi", "combining"],
)
async def test_unicode_edge_cases_are_stored_safely_or_refused(
    teams_env: TeamsEnv, note: str
) -> None:
    incident_id = await ready(teams_env)
    where, who = teams_env.hackney, teams_env.hana
    activity = teams_env.invoke(where, who, Form.NOTE, incident_id, note=note)
    status, answer = await teams_env.post(json.dumps(activity).encode())
    assert status in {200, 400}, answer
    if status == 200:
        assert "could not be stored" not in json.dumps(answer), answer


@pytest.mark.parametrize(
    "body",
    [b"[" * 200_000, b'{"a":' * 50_000, b'{"type": "message", "value": ' + b"[" * 100_000],
    ids=["lists", "objects", "inside an activity"],
)
async def test_json_nested_deeper_than_the_parser_goes_is_a_400(
    teams_env: TeamsEnv, body: bytes
) -> None:
    """Well inside the size cap, but deep enough to exhaust Python's recursion limit in
    `json.loads` (a RecursionError, not a ValueError): a 400 like any other bad JSON."""
    status, answer = await teams_env.post(body)
    assert status == 400, answer
    assert "not JSON" in answer["error"]["message"]


async def test_a_display_name_longer_than_entra_allows_is_refused(teams_env: TeamsEnv) -> None:
    """The name is the actor's on every timeline entry and mirrored line: Entra's displayName
    is at most 256 characters, so anything longer is not a Teams person's name."""
    incident_id = await ready(teams_env)
    activity = teams_env.invoke(teams_env.hackney, teams_env.hana, Form.NOTE, incident_id, note="x")
    activity["from"]["name"] = "<!channel> " + "N" * 10_000
    status, answer = await teams_env.post(activity)
    assert status == 400, answer
    assert "from.name is too long" in answer["error"]["message"]
    assert await events(teams_env.container.uow, incident_id, "NoteAdded") == []


async def test_the_longest_name_entra_allows_is_stored_cut_to_the_records_width(
    teams_env: TeamsEnv,
) -> None:
    """A 256-character displayName is a real name, but the record keeps actors' names in 200
    characters (as Slack's): it is cut, not refused as "could not be stored" on PostgreSQL."""
    incident_id = await ready(teams_env)
    activity = teams_env.invoke(teams_env.hackney, teams_env.hana, Form.NOTE, incident_id, note="x")
    activity["from"]["name"] = "N" * 256
    status, answer = await teams_env.post(activity)
    assert status == 200, answer
    assert answer["type"] == "application/vnd.microsoft.card.adaptive", answer
    (note,) = await events(teams_env.container.uow, incident_id, "NoteAdded")
    assert note.actor_name == "N" * 200


async def test_nothing_typed_reaches_the_log_at_info(
    teams_env: TeamsEnv, caplog: pytest.LogCaptureFixture
) -> None:
    incident_id = await ready(teams_env)
    secret = "Backups-at-10.0.0.7-pw-hunter2"
    caplog.set_level(logging.DEBUG)
    for verb in (Form.NOTE, Form.STATUS_UPDATE, "bogus"):
        activity = teams_env.invoke(
            teams_env.hackney, teams_env.hana, verb, incident_id, note=secret, what_changed=secret
        )
        await teams_env.post(activity)
    await teams_env.post(teams_env.message(teams_env.hackney, teams_env.hana, secret))
    leaked = [r for r in caplog.records if r.levelno >= logging.INFO and secret in r.getMessage()]
    assert leaked == []
    header_seen = [r for r in caplog.records if "Bearer " in r.getMessage()]
    assert header_seen == []


# --- outbound ---------------------------------------------------------------------------------


async def test_typed_markup_reaches_the_other_organisation_literally(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env)
    note = "[click](https://evil.example) <at>Kim Responder</at> <!channel> **now**"
    where, who = teams_env.hackney, teams_env.hana
    activity = teams_env.invoke(where, who, Form.NOTE, incident_id, note=note)
    assert (await teams_env.post(activity))[0] == 200
    shown = json.dumps(teams_env.teams.connector.cards(teams_env.kpmg.id))
    assert "](https://evil.example)" not in shown
    assert "<at>Kim" not in shown
    assert "<!channel>" not in shown


async def test_one_activity_replayed_into_another_conversation_of_the_organisation_counts_once(
    teams_env: TeamsEnv,
) -> None:
    """The replay claim is per conversation; the writes are keyed by the activity id itself, so
    the same submit sent again from the organisation's other chat is still one write."""
    incident_id = await ready(teams_env)
    other = teams_env.teams.connector.add_channel(KPMG_TENANT, teams_env.teams.app, "Another")
    inputs = {"what_changed": "x", "impact": "y", "next_steps": "z"}
    update = teams_env.invoke(teams_env.kpmg, teams_env.kim, Form.STATUS_UPDATE, incident_id,
                              **inputs)  # fmt: skip
    assert (await teams_env.post(update))[0] == 200
    again = {**update, "conversation": {**update["conversation"], "id": other.id}}
    assert (await teams_env.post(again))[0] == 200
    assert len(await events(teams_env.container.uow, incident_id, "StatusUpdatePosted")) == 1


@pytest.mark.parametrize(
    ("where", "change", "reason"),
    [
        ("personal", {"from": "aadObjectId", "value": "a" * 300}, "not an Entra object id"),
        ("personal", {"from": "aadObjectId", "value": "../../etc"}, "not an Entra object id"),
        ("channel", {"recipient": "id", "value": "28:" + "b" * 300}, "recipient.id is too long"),
        ("channel", {"": "id", "value": "f:" + "c" * 300}, "id is too long"),
    ],
    ids=["long object id", "not a guid", "long bot id", "long activity id"],
)
async def test_ids_that_cannot_be_teams_own_are_a_400_and_store_nothing(
    teams_env: TeamsEnv, where: str, change: dict[str, str], reason: str
) -> None:
    """Entra object ids are GUIDs and bot ids "28:<app id>": anything else would overflow the
    record's columns on PostgreSQL (the person was told "could not be stored")."""
    incident_id = await ready(teams_env)
    connector = teams_env.teams.connector
    chat = (
        connector.directory.add_conversation(
            KPMG_TENANT, "personal", "", (teams_env.teams.app.bot_id,)
        )
        if where == "personal"
        else teams_env.kpmg
    )
    activity = teams_env.invoke(chat, teams_env.kim, Form.NOTE, incident_id, note="x")
    (part, key), value = next(iter(change.items())), change["value"]
    if part:
        activity[part][key] = value
    else:
        activity[key] = value
    signed = teams_env.teams.identity.authorization(
        teams_env.teams.app.app_id, teams_env.teams.service_url
    )  # for this bot, whatever the activity's recipient says
    status, answer = await teams_env.post(activity, authorization=signed)
    assert status == 400, answer
    assert reason in answer["error"]["message"]
    async with teams_env.container.uow() as uow:
        if where == "personal":
            assert await uow.conversations.by_id(chat.id) is None
    assert await events(teams_env.container.uow, incident_id, "NoteAdded") == []


def _every_input(text: str) -> dict[str, str]:
    from handlers.teams.render import inputs

    names: set[str] = set()
    for kind in (inputs.PhaseInput, inputs.UpdateInput, inputs.NoteInput, inputs.ContactInput,
                 inputs.ChecklistInput, inputs.EndingInput):  # fmt: skip
        names |= {str(member) for member in kind}
    return dict.fromkeys(names, text)


@pytest.mark.parametrize("verb", sorted(v for v in FLOWS if v.endswith("_form")))
async def test_ten_thousand_characters_in_every_input_is_refused_in_words_or_kept(
    teams_env: TeamsEnv, verb: str
) -> None:
    """Every form's submit with every input 10,000 characters: a refusal in words, or a write
    that fits the record; never "could not be stored" (a column overflowed) and never a 500."""
    incident_id = await ready(teams_env)
    for council in (True, False):
        where, who = (
            (teams_env.hackney, teams_env.hana) if council else (teams_env.kpmg, teams_env.kim)
        )
        activity = teams_env.invoke(where, who, verb, incident_id, **_every_input("x" * 10_000))
        status, answer = await teams_env.post(activity)
        assert status == 200, answer
        assert "could not be stored" not in json.dumps(answer), (verb, answer)
