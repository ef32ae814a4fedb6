"""Microsoft Entra B2B guests on Teams act for no one. A guest arrives with the host's tenant and
the host's conversation (a council officer invited into KPMG's team, a KPMG consultant in
Hackney's), so only Teams' member lookup tells them apart from the host's own people. Driven as
Teams drives the bot: signed activities over HTTP, and the Bot Connector stand-in answering the
member lookup as Teams does (userRole, `#EXT#` names, 404 for someone not in the conversation,
throttling). A refused guest changes nothing: the incident, its timeline, the contact ladder
and the stored conversations stay as they were."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.domain.deadlines import DeadlineKind
from bot.domain.incident import MouStatus
from bot.domain.states import State
from handlers.teams.endpoint import READY
from handlers.teams.membership import GUEST, INSTALL_GUEST, INSTALL_UNCONFIRMED, UNCONFIRMED
from handlers.teams.render.inputs import uk_local
from tests.integration.activation_steps import activated, awaiting_mou, timeline
from tests.integration.teams_harness import HACKNEY_TENANT, KPMG_TENANT, TeamsEnv, card_text

MESSAGE = "application/vnd.microsoft.activity.message"
LADDER = {DeadlineKind.CONTACT_REMINDER, DeadlineKind.CONTACT_ESCALATION}


async def paged(env: TeamsEnv) -> str:
    """Both organisations' channels learnt, and KPMG paged for Hackney's activated incident.
    The installers' own verdicts (asked when they installed the app) have expired and their
    lookups are out of the stand-in's record, so each test counts only its own."""
    assert (await env.post(env.installed(env.kpmg, env.kim)))[0] == 200
    assert (await env.post(env.installed(env.hackney, env.hana)))[0] == 200
    assert member_lookups(env) == 2  # the installers were asked about too
    env.clock.advance(timedelta(minutes=11))
    env.teams.connector.calls.clear()
    return (await activated(env.container.uow, env.container.ctx)).incident.id


async def record(env: TeamsEnv, incident_id: str) -> tuple[Any, ...]:
    """Everything a refused click must leave as it was: the incident, every timeline event
    (refusals included), the pending deadlines and the stored conversations."""
    async with env.container.uow() as uow:
        incident = await uow.incidents.get(incident_id)
        pending = await uow.deadlines.pending_for(incident_id)
        engagements = await uow.engagements.for_incident(incident_id)
        conversations = [await uow.conversations.by_id(c.id) for c in (env.kpmg, env.hackney)]
    events = await timeline(env.container.uow, incident_id)
    return (
        incident,
        [(e.kind, e.actor_id) for e in events],
        sorted((d.id, d.kind, d.state) for d in pending),
        engagements,
        conversations,
    )


async def ladder(env: TeamsEnv, incident_id: str) -> set[DeadlineKind]:
    async with env.container.uow() as uow:
        return {d.kind for d in await uow.deadlines.pending_for(incident_id)} & LADDER


def contact_inputs(env: TeamsEnv) -> dict[str, str]:
    day, clock = uk_local(env.clock.now() - timedelta(minutes=1))
    return {"contact_date": day, "contact_time": clock, "method": "phone", "notes": "CISO"}


def member_lookups(env: TeamsEnv) -> int:
    return len(env.teams.connector.calls_to("member"))


async def test_a_councils_guest_in_kpmgs_team_cannot_stop_the_ladder(teams_env: TeamsEnv) -> None:
    env = teams_env
    incident_id = await paged(env)
    gill = env.teams.connector.add_guest(KPMG_TENANT, "Gill Officer", home_tenant_id=HACKNEY_TENANT)
    assert "#EXT#" in gill.user_principal_name
    assert await ladder(env, incident_id) == LADDER
    env.clock.advance(timedelta(minutes=5))  # contact a minute ago is after the page
    before = await record(env, incident_id)
    clicks = [
        env.invoke(env.kpmg, gill, "acknowledge_page", incident_id),
        env.invoke(env.kpmg, gill, "contact_made", incident_id),
        env.invoke(env.kpmg, gill, "contact_form", incident_id, **contact_inputs(env)),
    ]
    for click in clicks:
        status, answer = await env.post(click)
        assert (status, answer["type"], answer["value"]) == (200, MESSAGE, GUEST)
        assert "KPMG" not in answer["value"]
    assert await record(env, incident_id) == before
    assert await ladder(env, incident_id) == LADDER  # still counting down to escalation
    assert (await env.incident(incident_id)).state is State.ACTIVATED

    # Kim, a member of the same team, still acknowledges and records contact
    status, answer = await env.post(env.invoke(env.kpmg, env.kim, "acknowledge_page", incident_id))
    assert "Kim Responder" in card_text(answer)
    status, answer = await env.post(
        env.invoke(env.kpmg, env.kim, "contact_form", incident_id, **contact_inputs(env))
    )
    assert "Containment" in card_text(answer)
    assert (await env.incident(incident_id)).state is State.CONTAINMENT
    assert await ladder(env, incident_id) == set()
    events = await timeline(env.container.uow, incident_id)
    acted = {e.actor_id for e in events if e.kind in ("PageAcknowledged", "ContactRecorded")}
    assert acted == {f"teams:{KPMG_TENANT}:{env.kim.aad_object_id}"}
    assert member_lookups(env) == 2  # Gill once, Kim once, however often each clicked


async def test_a_guest_whom_teams_calls_a_user_is_still_refused(teams_env: TeamsEnv) -> None:
    """Microsoft saw userRole say "user" for a guest; the #EXT# name still gives them away."""
    env = teams_env
    incident_id = await paged(env)
    gill = env.teams.connector.add_guest(KPMG_TENANT, "Gill Officer", home_tenant_id=HACKNEY_TENANT)
    gill.reported_role = "user"
    before = await record(env, incident_id)
    status, answer = await env.post(env.invoke(env.kpmg, gill, "acknowledge_page", incident_id))
    assert (status, answer["value"]) == (200, GUEST)
    assert await record(env, incident_id) == before


async def test_kpmgs_guest_in_hackneys_team_cannot_act_for_the_council(
    teams_env: TeamsEnv,
) -> None:
    env = teams_env
    assert (await env.post(env.installed(env.hackney, env.hana)))[0] == 200
    incident_id = await awaiting_mou(env.container.uow, env.container.ctx, signed=False)
    kai = env.teams.connector.add_guest(
        HACKNEY_TENANT, "Kai Consultant", home_tenant_id=KPMG_TENANT
    )
    before = await timeline(env.container.uow, incident_id)
    status, answer = await env.post(env.invoke(env.hackney, kai, "mou_signed", incident_id))
    assert (status, answer["value"]) == (200, GUEST)
    await env.post(env.message(env.hackney, kai, f"note {incident_id} Council agrees to wipe"))
    assert env.said(env.hackney)[-1] == GUEST
    incident = await env.incident(incident_id)
    assert incident.mou_status is not MouStatus.SIGNED
    assert [(e.kind, e.actor_id) for e in await timeline(env.container.uow, incident_id)] == [
        (e.kind, e.actor_id) for e in before
    ]
    # Hana, of Hackney's own directory, still confirms it
    status, answer = await env.post(env.invoke(env.hackney, env.hana, "mou_signed", incident_id))
    assert (await env.incident(incident_id)).mou_status is MouStatus.SIGNED
    assert member_lookups(env) == 2


async def test_a_guest_cannot_make_a_chat_the_organisations(teams_env: TeamsEnv) -> None:
    """Before KPMG installs the app, the first conversation it is addressed from becomes KPMG's,
    where its pages go: a guest's chat must not be that one, so nothing is stored for it."""
    env = teams_env
    gill = env.teams.connector.add_guest(KPMG_TENANT, "Gill Officer", home_tenant_id=HACKNEY_TENANT)
    chat = env.teams.connector.add_group_chat(KPMG_TENANT, env.teams.app, (gill,))
    personal = env.teams.connector.directory.personal(env.teams.app.bot_id, gill)
    for where in (chat, personal):
        assert (await env.post(env.message(where, gill, "status")))[0] == 200
        assert env.said(where) == [GUEST]
    async with env.container.uow() as uow:
        assert await uow.conversations.by_id(chat.id) is None
        assert await uow.conversations.by_id(personal.id) is None
        assert await uow.conversations.of_org("provider", "kpmg") is None


async def test_a_guest_installing_the_app_does_not_take_the_organisations_pages(
    teams_env: TeamsEnv,
) -> None:
    """The organisation's newest conversation is where its cards and pages go. A guest who
    installs the app in a group chat (or in their personal scope) in KPMG's tenant must not
    make it KPMG's: the page for Hackney's incident still goes to KPMG's channel, and nothing
    about the incident reaches the guest."""
    env = teams_env
    assert (await env.post(env.installed(env.kpmg, env.kim)))[0] == 200
    assert (await env.post(env.installed(env.hackney, env.hana)))[0] == 200
    gill = env.teams.connector.add_guest(KPMG_TENANT, "Gill Officer", home_tenant_id=HACKNEY_TENANT)
    env.clock.advance(timedelta(seconds=5))  # later than KPMG's own install
    chat = env.teams.connector.add_group_chat(KPMG_TENANT, env.teams.app, (gill,))
    personal = env.teams.connector.directory.personal(env.teams.app.bot_id, gill)
    for where in (chat, personal):
        assert (await env.post(env.installed(where, gill)))[0] == 200
        assert env.said(where) == [INSTALL_GUEST]
    async with env.container.uow() as uow:
        assert await uow.conversations.by_id(chat.id) is None
        assert await uow.conversations.by_id(personal.id) is None
        kpmgs = await uow.conversations.of_org("provider", "kpmg")
    assert kpmgs is not None
    assert kpmgs.conversation_id == env.kpmg.id
    before = len(env.teams.connector.posted(env.kpmg.id))
    await activated(env.container.uow, env.container.ctx)
    await env.tasks.drain(within=15)
    await env.runtime.scheduler.fire_due()
    await env.tasks.drain(within=15)
    assert len(env.teams.connector.posted(env.kpmg.id)) > before  # the page reached KPMG
    assert env.said(chat) == [INSTALL_GUEST]  # and nothing else reached the guest's chat
    assert env.said(personal) == [INSTALL_GUEST]


async def test_an_installation_waits_out_teams_retries_and_is_refused_only_when_it_must(
    teams_env: TeamsEnv,
) -> None:
    """Nobody waits on an installation's answer, and refusing one for a passing 503 would
    leave the team out of where the organisation's pages go until the app is added again:
    its lookup waits out the connector's retries (a click gives up after the third 503).
    When Teams still cannot say, nothing is stored and the team is told how to set it up."""
    env = teams_env
    connector = env.teams.connector
    connector.fail_next(503, 3, operation="member")
    assert (await env.post(env.installed(env.kpmg, env.kim)))[0] == 200
    assert env.said(env.kpmg) == [READY]
    assert [c.status for c in connector.calls_to("member")] == [503, 503, 503, 200]
    async with env.container.uow() as uow:
        kpmgs = await uow.conversations.of_org("provider", "kpmg")
    assert kpmgs is not None
    assert kpmgs.conversation_id == env.kpmg.id

    connector.fail_next(403, operation="member")  # final: no retry mends it
    assert (await env.post(env.installed(env.hackney, env.hana)))[0] == 200
    assert env.said(env.hackney) == [INSTALL_UNCONFIRMED]
    async with env.container.uow() as uow:
        assert await uow.conversations.by_id(env.hackney.id) is None


async def test_when_teams_cannot_confirm_membership_nothing_is_done(teams_env: TeamsEnv) -> None:
    env = teams_env
    incident_id = await paged(env)
    before = await record(env, incident_id)
    connector = env.teams.connector
    # throttled for longer than a click can wait; then a 403 that no retry mends
    connector.throttle_next(retry_after=30, operation="member")
    connector.fail_next(403, operation="member")
    for _ in range(2):
        status, answer = await env.post(
            env.invoke(env.kpmg, env.kim, "acknowledge_page", incident_id)
        )
        assert (status, answer["type"], answer["value"]) == (200, MESSAGE, UNCONFIRMED)
    assert await record(env, incident_id) == before
    # a new chat is not stored while Teams cannot say
    chat = connector.add_group_chat(KPMG_TENANT, env.teams.app, (env.kim,))
    connector.throttle_next(retry_after=30, operation="member")
    await env.post(env.message(chat, env.kim, "status"))
    assert env.said(chat) == [UNCONFIRMED]
    async with env.container.uow() as uow:
        assert await uow.conversations.by_id(chat.id) is None
    # a failure is not remembered, and a short throttle is waited out: Kim acts
    connector.throttle_next(retry_after=0.01, operation="member")
    status, answer = await env.post(env.invoke(env.kpmg, env.kim, "acknowledge_page", incident_id))
    assert "Kim Responder" in card_text(answer)
    assert [c.status for c in connector.calls_to("member")] == [429, 403, 429, 429, 200]


async def test_someone_teams_does_not_know_in_the_conversation_is_refused(
    teams_env: TeamsEnv,
) -> None:
    """A 404 (MemberNotFoundInConversation): Kim was taken out of KPMG's team."""
    env = teams_env
    incident_id = await paged(env)
    env.teams.connector.remove_member(env.kpmg.id, env.kim)
    before = await record(env, incident_id)
    for _ in range(2):
        status, answer = await env.post(
            env.invoke(env.kpmg, env.kim, "acknowledge_page", incident_id)
        )
        assert (status, answer["value"]) == (200, UNCONFIRMED)
    assert await record(env, incident_id) == before
    assert [c.status for c in env.teams.connector.calls_to("member")] == [404, 404]


async def test_the_verdict_is_kept_for_ten_minutes_then_asked_again(teams_env: TeamsEnv) -> None:
    env = teams_env
    incident_id = await paged(env)
    for verb in ("refresh", "acknowledge_page", "contact_made", "refresh"):
        status, answer = await env.post(env.invoke(env.kpmg, env.kim, verb, incident_id))
        assert status == 200
        assert answer["type"] != MESSAGE, answer
    await env.post(env.message(env.kpmg, env.kim, "status"))
    assert member_lookups(env) == 1
    # Kim leaves the team: still Kim for what is left of the ten minutes, then no one
    env.teams.connector.remove_member(env.kpmg.id, env.kim)
    env.clock.advance(timedelta(minutes=9))
    status, answer = await env.post(env.invoke(env.kpmg, env.kim, "refresh", incident_id))
    assert answer["type"] != MESSAGE
    assert member_lookups(env) == 1
    env.clock.advance(timedelta(minutes=2))
    status, answer = await env.post(env.invoke(env.kpmg, env.kim, "refresh", incident_id))
    assert answer["value"] == UNCONFIRMED
    assert member_lookups(env) == 2
