"""Referral → incident channel, through signed requests against the Web API stand-in."""

from __future__ import annotations

import json
import time

from bot.domain.bindings import ChannelStatus, Platform
from bot.domain.states import State
from sandbox.slack import signed_requests as sr
from tests.integration.slack_harness import ASSESSOR, referral_submission


async def test_help_lists_the_subcommands(slack_env) -> None:
    status, body = await slack_env.send(sr.slash_command(text="help"))
    assert status == 200
    for sub in ("/cir report", "/cir assess", "/cir duty", "/cir retry"):
        assert sub in body


async def test_report_opens_the_referral_form(slack_env) -> None:
    status, body = await slack_env.send(sr.slash_command(text="report", trigger_id="T123"))
    assert status == 200
    assert body == ""
    [opened] = slack_env.slack.calls_to("views.open")
    assert opened["trigger_id"] == "T123"
    assert opened["view"]["callback_id"] == "referral_form"
    assert json.loads(opened["view"]["private_metadata"])["nonce"]


async def test_council_search_filters_the_register(slack_env) -> None:
    body = sr._interactive(
        {
            "type": "block_suggestion",
            "user": {"id": ASSESSOR, "team_id": "T0MHCLG"},
            "team": {"id": "T0MHCLG"},
            "api_app_id": "A0CIR",
            "block_id": "council_id",
            "action_id": "value",
            "value": "hack",
            "view": {"id": "V1", "callback_id": "referral_form"},
        }
    )
    status, text = await slack_env.send(body)
    assert status == 200
    assert [o["value"] for o in json.loads(text)["options"]] == ["hackney"]


async def test_referral_opens_a_private_channel_with_card_triage_and_invite(slack_env) -> None:
    status, body = await slack_env.send(referral_submission())
    assert status == 200
    assert body == ""
    incident = await slack_env.only_incident()
    assert incident.state is State.REFERRAL_RECEIVED
    ref = str(incident.reference)
    [created] = slack_env.slack.calls_to("conversations.create")
    assert created["name"] == f"{ref.lower()}-hackney"
    assert str(created["is_private"]).lower() in {"true", "1"}
    channel = slack_env.slack.messages()[0]["channel"]
    topic = slack_env.slack.calls_to("conversations.setTopic")[-1]
    assert ref in topic["topic"]
    assert "OFFICIAL-SENSITIVE" in topic["topic"]
    card_text = slack_env.texts(channel)[0]
    assert ref in card_text
    assert "London Borough of Hackney" in card_text
    assert "OFFICIAL-SENSITIVE" in card_text
    assert "Start threshold check" in card_text
    assert slack_env.slack.calls_to("pins.add")[0]["channel"] == channel
    invited = slack_env.slack.calls_to("conversations.invite")[0]["users"]
    assert set(invited.split(",")) >= {"U0ASSESSOR1", "U0ASSESSOR2", "U0DUTYMGR"}
    assert any(ref in t for t in slack_env.texts("C0TRIAGE"))
    triage_blocks = json.dumps(slack_env.slack.calls_to("chat.update")[-1]["blocks"])
    assert f"<#{channel}>" in triage_blocks  # the triage card links to the incident channel
    [shared] = slack_env.slack.calls_to("conversations.inviteShared")
    assert shared["emails"] in ("hana@hackney.example", ["hana@hackney.example"])
    updates = slack_env.slack.calls_to("chat.update")
    assert any("hana@hackney.example: sent" in json.dumps(u["blocks"]) for u in updates)
    kinds = [e.kind for e in await slack_env.timeline(incident.id)]
    # the NCSC referred it: its checklist item is ticked by the bot at once
    assert kinds == [
        "ReferralReceived",
        "NotificationItemUpdated",
        "ChannelOpened",
        "InvitationUpdated",
    ]


async def test_bad_input_shows_inline_errors_and_stores_nothing(slack_env) -> None:
    body = referral_submission(
        description={"type": "plain_text_input", "value": "   "},
        contact_email={"type": "plain_text_input", "value": "not-an-email"},
    )
    status, text = await slack_env.send(body)
    assert status == 200
    answer = json.loads(text)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"description", "contact_email"}
    assert "email address" in answer["errors"]["contact_email"]
    assert await slack_env.incidents() == []
    assert slack_env.slack.calls_to("conversations.create") == []


async def test_only_mhclg_can_log_a_referral(slack_env) -> None:
    slack_env.slack.add_user("U0STRANGER", "T0ELSEWHERE", "Sam Stranger")
    status, text = await slack_env.send(referral_submission(user="U0STRANGER", team="T0ELSEWHERE"))
    assert status == 200
    assert "Only MHCLG" in text
    assert await slack_env.incidents() == []


async def test_double_submission_and_retries_make_one_incident_and_one_channel(slack_env) -> None:
    body = referral_submission(nonce="same-form")
    for retry in (None, 1, 2):
        status, _ = await slack_env.send(body, retry_num=retry)
        assert status == 200
    assert len(await slack_env.incidents()) == 1
    assert len(slack_env.slack.calls_to("conversations.create")) == 1


async def test_name_taken_picks_the_next_free_name(slack_env) -> None:
    slack_env.slack.fail_next("conversations.create", "name_taken")
    await slack_env.send(referral_submission())
    names = [c["name"] for c in slack_env.slack.calls_to("conversations.create")]
    assert names[1] == names[0] + "-2"
    incident = await slack_env.only_incident()
    async with slack_env.container.uow() as uow:
        binding = await uow.channels.for_incident(incident.id, Platform.SLACK)
    assert binding is not None
    assert binding.channel_name == names[1]


async def test_channel_failure_keeps_the_referral_says_why_and_offers_a_retry(slack_env) -> None:
    slack_env.slack.fail_next("conversations.create", "restricted_action")
    await slack_env.send(referral_submission())
    incident = await slack_env.only_incident()
    async with slack_env.container.uow() as uow:
        binding = await uow.channels.for_incident(incident.id, Platform.SLACK)
    assert binding is not None
    assert binding.status is ChannelStatus.FAILED
    assert binding.error == "restricted_action"
    dm = [m for m in slack_env.slack.messages(ASSESSOR)]
    assert dm
    assert "could not be created (restricted_action)" in dm[0]["text"]
    triage = slack_env.slack.messages("C0TRIAGE")[0]
    assert "retry_channel" in json.dumps(triage["blocks"])
    status, _ = await slack_env.send(
        sr.block_actions("retry_channel", value=incident.id, channel_id="C0TRIAGE")
    )
    assert status == 200
    async with slack_env.container.uow() as uow:
        binding = await uow.channels.for_incident(incident.id, Platform.SLACK)
    assert binding is not None
    assert binding.status is ChannelStatus.CREATED
    kinds = [e.kind for e in await slack_env.timeline(incident.id)]
    assert "ChannelCreationFailed" in kinds
    assert "ChannelOpened" in kinds


async def test_rate_limits_and_server_errors_are_retried(slack_env) -> None:
    slack_env.slack.rate_limit_next("chat.postMessage", retry_after=1)
    slack_env.slack.server_error_next("pins.add", status=503)
    await slack_env.send(referral_submission())
    assert len(slack_env.slack.calls_to("pins.add")) == 2
    incident = await slack_env.only_incident()
    assert any(str(incident.reference) in t for t in slack_env.texts())


async def test_unsigned_tampered_or_stale_requests_get_401_and_change_nothing(slack_env) -> None:
    body = referral_submission()
    async with slack_env.session.post(
        slack_env.url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    ) as response:
        assert response.status == 401
    status, _ = await slack_env.send(body, tamper=True)
    assert status == 401
    status, _ = await slack_env.send(body, timestamp=int(time.time()) - 301)
    assert status == 401
    assert await slack_env.incidents() == []
    assert slack_env.slack.calls_to("conversations.create") == []


async def test_typed_text_cannot_ping_or_link_anyone(slack_env) -> None:
    evil = "Help <!channel> <!here> <@U0ASSESSOR2> see <https://evil.example/x|this> https://evil.example"
    await slack_env.send(
        referral_submission(description={"type": "plain_text_input", "value": evil})
    )
    posted = json.dumps([m.get("blocks") for m in slack_env.slack.messages()])
    for forbidden in (
        "<!channel>",
        "<!here>",
        "<@U0ASSESSOR2>",
        "<https://",
        "https://evil.example",
    ):
        assert forbidden not in posted
    # the mention is neutralised by the core sanitiser (a full-width at sign pings nobody)
    assert r"\uff20channel" in posted
    assert "hxxps://evil[.]example" in posted


async def test_app_home_lists_open_incidents(slack_env) -> None:
    await slack_env.send(referral_submission())
    incident = await slack_env.only_incident()
    event = {"type": "app_home_opened", "user": ASSESSOR, "tab": "home", "channel": "D1"}
    status, _ = await slack_env.send(sr.event_callback(event))
    assert status == 200
    [published] = slack_env.slack.calls_to("views.publish")
    text = json.dumps(published["view"])
    assert str(incident.reference) in text
    assert "Referral received" in text
    assert "London Borough of Hackney" in text


async def test_invite_acceptance_is_shown_once_even_when_slack_retries(slack_env) -> None:
    await slack_env.send(referral_submission())
    incident = await slack_env.only_incident()
    invite_id = slack_env.slack.calls_to("conversations.inviteShared")  # recorded call
    assert invite_id
    async with slack_env.container.uow() as uow:
        [invite] = await uow.invites.for_incident(incident.id)
    event = {"type": "shared_channel_invite_accepted", "invite": {"id": invite.invite_id}}
    body = sr.event_callback(event, event_id="Ev1")
    await slack_env.send(body)
    await slack_env.send(body, retry_num=1)
    async with slack_env.container.uow() as uow:
        [invite] = await uow.invites.for_incident(incident.id)
    assert invite.status.value == "accepted"
    kinds = [e.kind for e in await slack_env.timeline(incident.id)]
    assert kinds.count("InvitationUpdated") == 2  # sent, then accepted: the retry added nothing


async def test_an_admins_approval_after_acceptance_is_shown_on_the_card(slack_env) -> None:
    """Workspaces that vet Slack Connect send `approved` after `accepted`: both are answered
    200 (Slack turns off a subscription whose deliveries fail) and both are on the record."""
    await slack_env.send(referral_submission())
    incident = await slack_env.only_incident()
    async with slack_env.container.uow() as uow:
        [invite] = await uow.invites.for_incident(incident.id)
    for n, kind in enumerate(("accepted", "approved")):
        event = {"type": f"shared_channel_invite_{kind}", "invite": {"id": invite.invite_id}}
        status, _ = await slack_env.send(sr.event_callback(event, event_id=f"Ev{n}"))
        assert status == 200
    async with slack_env.container.uow() as uow:
        [invite] = await uow.invites.for_incident(incident.id)
    assert invite.status.value == "approved"
    [*_, card] = slack_env.slack.calls_to("chat.update")
    assert "approved" in slack_env.slack.message_text(card)


async def test_only_mhclg_can_retry_channel_creation(slack_env) -> None:
    slack_env.slack.fail_next("conversations.create", "restricted_action")
    await slack_env.send(referral_submission())
    incident = await slack_env.only_incident()
    click = sr.block_actions(
        "retry_channel",
        value=incident.id,
        user_id="U0KPMG1",
        team_id="T0MHCLG",
        user_team_id="T0KPMG",
        channel_id="C0TRIAGE",
    )
    await slack_env.send(click)
    assert len(slack_env.slack.calls_to("conversations.create")) == 1
    [refusal] = slack_env.slack.calls_to("chat.postEphemeral")
    assert refusal["user"] == "U0KPMG1"
    assert "Only MHCLG" in refusal["text"]


async def test_logs_carry_no_incident_content_or_secrets(slack_env, caplog) -> None:
    from bot.app.logging import quiet_libraries

    caplog.set_level("INFO")
    quiet_libraries("INFO")  # as configure_logging does in production
    secret_story = "Payroll server encrypted by LockBit-unique-marker-7731"
    await slack_env.send(
        referral_submission(description={"type": "plain_text_input", "value": secret_story})
    )
    slack_env.slack.fail_next("chat.postMessage", "channel_not_found")
    await slack_env.send(sr.slash_command(text="report"))
    incident = await slack_env.only_incident()
    logged = "\n".join(r.getMessage() + " " + str(vars(r)) for r in caplog.records)
    assert str(incident.reference) in logged  # references are fine: they are how people find it
    for forbidden in ("LockBit-unique-marker-7731", "hana@hackney.example", "07700 900555"):
        assert forbidden not in logged
    assert "xoxb-test-token" not in logged
    assert "test-signing-secret" not in logged


async def test_duty_names_mhclgs_duty_manager_now(slack_env) -> None:
    status, _ = await slack_env.send(sr.slash_command(text="duty"))
    assert status == 200
    [told] = slack_env.slack.calls_to("chat.postEphemeral")
    assert "<@U0DUTYMGR>" in told["text"]
    assert "07700 900100" in told["text"]


async def test_others_cannot_see_an_incident_they_are_not_part_of(slack_env) -> None:
    await slack_env.send(referral_submission())
    incident = await slack_env.only_incident()
    slack_env.slack.add_user("U0LEEDS", "T0LEEDS", "Lee Leeds")
    event = {"type": "app_home_opened", "user": "U0KPMG1", "tab": "home", "channel": "D1"}
    await slack_env.send(sr.event_callback(event))
    [home] = slack_env.slack.calls_to("views.publish")
    assert str(incident.reference) not in json.dumps(home["view"])  # KPMG is not assigned yet
    assert "No open incidents" in json.dumps(home["view"])
    ref = str(incident.reference)
    command = sr.slash_command(text=f"checklist {ref}", user_id="U0LEEDS", team_id="T0MHCLG")
    status, _ = await slack_env.send(command)
    assert status == 200
    assert not [c for c in slack_env.slack.calls_to("views.open") if "checklist" in json.dumps(c)]
    [refusal] = slack_env.slack.calls_to("chat.postEphemeral")
    assert refusal["user"] == "U0LEEDS"
    assert "not found, or it is not yours" in refusal["text"]


async def test_a_guest_in_mhclgs_workspace_is_not_mhclg(slack_env) -> None:
    slack_env.slack.add_user("U0GUEST", "T0MHCLG", "Gus Guest")
    slack_env.slack.workspace.people["U0GUEST"].guest = True  # a multi-channel guest
    status, text = await slack_env.send(referral_submission(user="U0GUEST"))
    assert status == 200
    assert "Only MHCLG" in text
    assert await slack_env.incidents() == []


async def test_a_failed_slack_connect_invitation_is_retried(slack_env) -> None:
    slack_env.slack.fail_next("conversations.inviteShared", "not_allowed_token_type")
    await slack_env.send(referral_submission())
    incident = await slack_env.only_incident()
    async with slack_env.container.uow() as uow:
        [invite] = await uow.invites.for_incident(incident.id)
    assert invite.status.value == "failed"
    assert invite.error == "not_allowed_token_type"
    await slack_env.send(sr.slash_command(text=f"retry {incident.reference}"))
    async with slack_env.container.uow() as uow:
        [again] = await uow.invites.for_incident(incident.id)
    assert again.id == invite.id
    assert again.status.value == "sent"
    assert len(slack_env.slack.calls_to("conversations.inviteShared")) == 2
    await slack_env.send(sr.slash_command(text=f"retry {incident.reference}"))
    assert len(slack_env.slack.calls_to("conversations.inviteShared")) == 2  # sent: not again


async def test_the_topic_is_set_again_only_when_it_changes(slack_env) -> None:
    """Slack posts "set the channel topic" each time: a refresh that changes nothing in the
    topic (a note, a checklist item) must not add that line to the channel."""
    await slack_env.send(referral_submission())
    incident = await slack_env.only_incident()
    room = slack_env.container.slack.room

    def topics() -> list[str]:
        return [c["topic"] for c in slack_env.slack.calls_to("conversations.setTopic")]

    before = topics()
    assert len(before) == 1
    await room.refresh(incident.id)
    await room.refresh(incident.id)
    assert topics() == before
    await slack_env.send(sr.block_actions("start_threshold_check", value=incident.id))
    assert len(topics()) == 2
    assert topics()[-1] != before[0]
