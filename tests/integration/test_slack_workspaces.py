"""A council's Slack workspace is learnt when its contact accepts the Slack Connect invitation,
confirmed once by MHCLG in the triage channel, and from then on its people act as the council;
nobody else can confirm it, and MHCLG's own workspace is never learnt as a council's."""

from __future__ import annotations

import json

from bot.domain.actors import OrgKind
from bot.domain.bindings import Platform
from bot.domain.org_bindings import BindingStatus
from bot.usecases.org_bindings import unrecognised_councils
from sandbox.slack import signed_requests as sr
from tests.integration.slack_harness import ASSESSOR, SlackEnv, referral_submission

COUNCIL_USER, COUNCIL_TEAM = "U0HACK1", "T0HACKNEY"


async def referred(env: SlackEnv) -> tuple[str, str, str]:
    """A Hackney referral with its invitation sent: (incident id, channel, invite id)."""
    env.slack.add_channel("C0TRIAGE", "cir-triage")
    env.slack.add_user(COUNCIL_USER, COUNCIL_TEAM, "Hana Council", "hana@hackney.example")
    await env.send(referral_submission())
    incident = await env.only_incident()
    async with env.container.uow() as uow:
        [invite] = await uow.invites.for_incident(incident.id)
        channel = await uow.channels.for_incident(incident.id, Platform.SLACK)
    assert channel is not None
    env.slack.join(channel.channel_id, COUNCIL_USER)  # joined by Connect
    return incident.id, channel.channel_id, invite.invite_id


async def accept(env: SlackEnv, invite_id: str, team: str = COUNCIL_TEAM) -> None:
    event = {
        "type": "shared_channel_invite_accepted",
        "approval_required": False,
        "invite": {"id": invite_id, "recipient_email": "hana@hackney.example"},
        "accepting_user": {"id": COUNCIL_USER, "team_id": team, "name": "Hana Council"},
    }
    status, _ = await env.send(sr.event_callback(event))
    assert status == 200


async def note(env: SlackEnv, channel: str, text: str) -> None:
    command = sr.slash_command(text=f"note {text}", user_id=COUNCIL_USER, channel_id=channel)
    await env.send(command)


def click(env: SlackEnv, action: str, user: str, team: str) -> str:
    """A press of the question's button; the question is the triage channel's newest post."""
    question = [m for m in env.slack.messages("C0TRIAGE") if "workspace" in json.dumps(m)][-1]
    newest = env.slack.newest_ts("C0TRIAGE")
    [button] = [
        e
        for b in question["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action
    ]
    return sr.block_actions(
        action,
        value=button["value"],
        user_id=user,
        team_id="T0MHCLG",
        user_team_id=team,
        channel_id="C0TRIAGE",
        message_ts=newest,
    )


async def kinds(env: SlackEnv, incident_id: str) -> list[str]:
    return [e.kind for e in await env.timeline(incident_id)]


async def test_a_council_user_is_recognised_once_mhclg_confirms_the_learnt_workspace(
    slack_env,
) -> None:
    incident_id, channel, invite_id = await referred(slack_env)
    identity = slack_env.container.slack.identity
    assert (await identity.actor(COUNCIL_USER)).org_kind is OrgKind.UNKNOWN
    await note(slack_env, channel, "Backups are offline")
    assert (await kinds(slack_env, incident_id))[-1] == "ActionRefused"

    await accept(slack_env, invite_id)
    [question] = [t for t in slack_env.texts("C0TRIAGE") if "Slack workspace" in t]
    assert "Confirm: T0HACKNEY is London Borough of Hackney" in json.dumps(
        slack_env.slack.messages("C0TRIAGE")[-1]["blocks"]
    )
    assert "T0HACKNEY" in question
    assert "cannot act for London Borough of Hackney" in question
    assert (await identity.actor(COUNCIL_USER)).org_kind is OrgKind.UNKNOWN  # not yet confirmed
    learnt = [e for e in await slack_env.timeline(incident_id) if e.kind == "SlackTeamLearnt"]
    assert learnt[0].data == {
        "platform": "slack",
        "team_id": "T0HACKNEY",
        "council": "hackney",
        "accepted_by": COUNCIL_USER,
    }
    unrecognised = await unrecognised_councils(slack_env.container.uow(), slack_env.container.ctx)
    assert {u.council.id: u.waiting for u in unrecognised}["hackney"] == "T0HACKNEY"

    await accept(slack_env, invite_id)  # another acceptance before anyone answered: asked again
    assert len([t for t in slack_env.texts("C0TRIAGE") if "Slack workspace" in t]) == 2
    assert (await kinds(slack_env, incident_id)).count("SlackTeamLearnt") == 1

    await slack_env.send(click(slack_env, "confirm_slack_team", "U0KPMG1", "T0KPMG"))
    refusal = slack_env.slack.calls_to("chat.postEphemeral")[-1]
    # a provider not put to this incident learns nothing of it, not even that it waits
    assert refusal["user"] == "U0KPMG1"
    assert "not found, or it is not yours" in refusal["text"]
    assert (await kinds(slack_env, incident_id))[-1] == "ActionRefused"

    await slack_env.send(click(slack_env, "confirm_slack_team", ASSESSOR, "T0MHCLG"))
    confirmed = [e for e in await slack_env.timeline(incident_id) if e.kind == "SlackTeamConfirmed"]
    assert confirmed[0].actor_id.endswith(ASSESSOR)
    assert confirmed[0].data["team_id"] == "T0HACKNEY"
    update = slack_env.slack.calls_to("chat.update")[-1]
    assert update["channel"] == "C0TRIAGE"
    assert "now recognised" in json.dumps(update["blocks"])
    actor = await identity.actor(COUNCIL_USER)
    assert (actor.org_kind, actor.org_id) == (OrgKind.COUNCIL, "hackney")
    await note(slack_env, channel, "Backups are offline")
    assert (await kinds(slack_env, incident_id))[-1] == "NoteAdded"
    left = await unrecognised_councils(slack_env.container.uow(), slack_env.container.ctx)
    assert "hackney" not in {u.council.id for u in left}

    await slack_env.send(click(slack_env, "reject_slack_team", ASSESSOR, "T0MHCLG"))
    again = slack_env.slack.calls_to("chat.postEphemeral")[-1]
    assert again["user"] == ASSESSOR
    assert "already confirmed" in again["text"]


async def test_a_rejected_workspace_stays_unrecognised_and_is_not_asked_again(slack_env) -> None:
    incident_id, _, invite_id = await referred(slack_env)
    await accept(slack_env, invite_id)
    await slack_env.send(click(slack_env, "reject_slack_team", ASSESSOR, "T0MHCLG"))
    async with slack_env.container.uow() as uow:
        binding = await uow.org_bindings.get(Platform.SLACK, COUNCIL_TEAM)
    assert binding is not None
    assert binding.status is BindingStatus.REJECTED
    identity = slack_env.container.slack.identity
    assert (await identity.actor(COUNCIL_USER)).org_kind is OrgKind.UNKNOWN
    asked = len(slack_env.slack.messages("C0TRIAGE"))
    await accept(slack_env, invite_id)  # a second acceptance event (another event id)
    assert len(slack_env.slack.messages("C0TRIAGE")) == asked
    assert (await kinds(slack_env, incident_id)).count("SlackTeamRejected") == 1


async def test_mhclgs_own_workspace_is_never_learnt_as_a_councils(slack_env) -> None:
    incident_id, _, invite_id = await referred(slack_env)
    await accept(slack_env, invite_id, team="T0MHCLG")
    assert not [t for t in slack_env.texts("C0TRIAGE") if "Slack workspace" in t]
    [refused] = [e for e in await slack_env.timeline(incident_id) if e.kind == "SlackTeamNotLearnt"]
    assert refused.data["reason"] == "the workspace is MHCLG's"
    async with slack_env.container.uow() as uow:
        assert await uow.org_bindings.get(Platform.SLACK, "T0MHCLG") is None
