"""MoU and activation through signed Slack requests, with the local Slack Web API and the local
GOV.UK Notify standing in for the real ones: who records and overrides the MoU, the activation
that pages the provider and tells the council, and the page sent without waiting for a sweep."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from bot.domain.states import State
from bot.domain.uk_time import clock_time
from sandbox.slack import signed_requests as sr
from tests.integration.slack_activation_steps import (
    ACCENTURE_PAGING,
    COUNCIL_USER,
    KPMG_PAGING,
    KPMG_USER,
    activate_form,
    awaiting_mou,
    click,
    ephemeral_to,
    kinds,
    last_card,
    override_form,
    pending_and_fired,
    submit,
)
from tests.integration.slack_activation_steps import notify_api as notify_api  # Notify configured
from tests.integration.slack_harness import ASSESSOR, INTERN
from tests.integration.waiting import until, within


async def test_the_provider_records_the_mou_sent_and_an_intern_is_refused(slack_env) -> None:
    incident_id, channel = await awaiting_mou(slack_env)
    await slack_env.send(click("mou_sent", incident_id, INTERN, "T0MHCLG", channel))
    [refusal] = ephemeral_to(slack_env, INTERN)  # not in the CIR team: an outsider
    assert refusal == "That incident was not found, or it is not yours."
    assert (await slack_env.only_incident()).mou_status.value == "not_sent"
    refused = [e for e in await slack_env.timeline(incident_id) if e.kind == "ActionRefused"]
    assert refused[-1].data["action"] == "record_mou_sent"
    assert INTERN in refused[-1].actor_id

    await slack_env.send(click("mou_sent", incident_id, KPMG_USER, "T0KPMG", channel))
    assert (await slack_env.only_incident()).mou_status.value == "sent"
    [recorded] = [e for e in await slack_env.timeline(incident_id) if e.kind == "MouStatusRecorded"]
    assert recorded.organisation == "provider:kpmg"
    assert recorded.actor_name == "Kim Responder"
    assert any("Kim Responder recorded that the MoU has been sent" in t for t in slack_env.texts())
    assert "MoU: sent by the provider" in last_card(slack_env, channel)


async def test_activation_is_refused_inline_while_the_mou_is_unsigned(slack_env) -> None:
    incident_id, _ = await awaiting_mou(slack_env)
    answer = await submit(slack_env, activate_form(incident_id, "on_duty"))
    assert answer["response_action"] == "errors"
    assert "Memorandum of Understanding" in answer["errors"]["provider"]
    incident = await slack_env.only_incident()
    assert incident.state is State.AWAITING_MOU
    assert incident.provider_ids == ()
    async with slack_env.container.uow() as uow:
        assert await uow.engagements.for_incident(incident_id) == []
        assert all(
            d.kind.value != "contact_escalation"
            for d in await uow.deadlines.pending_for(incident_id)
        )
    assert slack_env.slack.messages(KPMG_PAGING) == []
    assert "ProviderPaged" not in kinds(await slack_env.timeline(incident_id))


async def test_the_council_signs_by_command_and_both_providers_are_paged(slack_env) -> None:
    policy = slack_env.container.ctx.policy
    policy.councils["hackney"] = replace(policy.councils["hackney"], slack_team_id="T0HACKNEY")
    slack_env.slack.add_user(COUNCIL_USER, "T0HACKNEY", "Hana Council", "hana@hackney.example")
    incident_id, channel = await awaiting_mou(slack_env)
    await slack_env.send(
        sr.slash_command(text="mou signed", user_id=COUNCIL_USER, channel_id=channel)
    )
    assert (await slack_env.only_incident()).mou_status.value == "signed"
    assert any("the council has signed the MoU" in t for t in slack_env.texts(channel))

    await slack_env.send(
        sr.slash_command(text="activate", channel_id=channel, trigger_id="TRIGACT")
    )
    [opened] = [c for c in slack_env.slack.calls_to("views.open") if c["trigger_id"] == "TRIGACT"]
    view = opened["view"]
    assert view["callback_id"] == "activate_form"
    shown = json.dumps(view["blocks"])
    assert "On duty today: KPMG" in shown
    assert "The other provider: Accenture" in shown
    assert "Both (mass event): Accenture and KPMG" in shown
    assert "30 minutes" in shown

    assert await submit(slack_env, activate_form(incident_id, "both")) == {}
    assert len(slack_env.slack.messages(KPMG_PAGING)) == 1  # both paged at once
    assert len(slack_env.slack.messages(ACCENTURE_PAGING)) == 1
    assert await slack_env.fire_due() == 1  # the council's email
    incident = await slack_env.only_incident()
    assert set(incident.provider_ids) == {"kpmg", "accenture"}
    for paging in (KPMG_PAGING, ACCENTURE_PAGING):
        [page] = slack_env.slack.messages(paging)
        assert "Also assigned" in slack_env.slack.message_text(page)
    assert any("activated: Accenture and KPMG paged" in t for t in slack_env.texts(channel))


async def test_an_override_needs_a_reason_and_an_assessor(slack_env) -> None:
    incident_id, channel = await awaiting_mou(slack_env)
    await slack_env.send(
        click("override_mou", incident_id, ASSESSOR, "T0MHCLG", channel, trigger_id="TRIGOVR")
    )
    [opened] = [c for c in slack_env.slack.calls_to("views.open") if c["trigger_id"] == "TRIGOVR"]
    assert opened["view"]["callback_id"] == "override_mou_form"
    assert json.loads(opened["view"]["private_metadata"])["incident_id"] == incident_id

    blank = await submit(slack_env, override_form(incident_id, "   "))
    assert blank["response_action"] == "errors"
    assert "reason" in blank["errors"]
    intern = await submit(slack_env, override_form(incident_id, "Urgent.", user=INTERN))
    assert "not found, or it is not yours" in intern["errors"]["reason"]
    assert (await slack_env.only_incident()).mou_override_reason == ""
    assert "ActionRefused" in kinds(await slack_env.timeline(incident_id))

    assert await submit(slack_env, override_form(incident_id, "Council's email is down.")) == {}
    assert (await slack_env.only_incident()).mou_override_reason == "Council's email is down."
    assert any("Ada Assessor overrode the MoU" in t for t in slack_env.texts(channel))
    again = await submit(slack_env, override_form(incident_id, "Again."))
    assert "already overridden" in again["errors"]["reason"]


async def test_activation_pages_the_provider_on_duty_and_tells_the_council(
    slack_env, notify_api
) -> None:
    incident_id, channel = await awaiting_mou(slack_env)
    await submit(slack_env, override_form(incident_id, "Council's email is compromised."))
    await slack_env.send(
        click("activate", incident_id, ASSESSOR, "T0MHCLG", channel, trigger_id="TRIGA")
    )
    [opened] = [c for c in slack_env.slack.calls_to("views.open") if c["trigger_id"] == "TRIGA"]
    assert "overridden by an assessor" in json.dumps(opened["view"]["blocks"])

    assert await submit(slack_env, activate_form(incident_id, "on_duty")) == {}
    incident = await slack_env.only_incident()
    assert incident.state is State.ACTIVATED
    assert incident.provider_ids == ("kpmg",)
    # the page went as soon as the form was answered; the email is the scheduler's, due now
    assert len(slack_env.slack.messages(KPMG_PAGING)) == 1
    page_fired = [
        d for d in await pending_and_fired(slack_env, incident_id) if d[0] == "provider_page"
    ]
    assert page_fired == [("provider_page", "fired")]
    assert await slack_env.fire_due() == 1
    deadline = clock_time(slack_env.clock.now() + timedelta(minutes=30))
    [page] = slack_env.slack.messages(KPMG_PAGING)
    buttons = [e for b in page["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("acknowledge_page", incident_id),
        ("contact_made", incident_id),
    ]
    assert deadline in slack_env.slack.message_text(page)
    assert slack_env.slack.messages(ACCENTURE_PAGING) == []
    [email] = [m for m in notify_api.sent if m["to"] == "hana@hackney.example"]
    assert "Cyber Incident Response activated" in email["content"]["subject"]
    invited = [c["emails"] for c in slack_env.slack.calls_to("conversations.inviteShared")]
    assert any("cir-escalation@kpmg.example" in str(e) for e in invited)
    assert any(f"KPMG paged; contact due by {deadline}" in t for t in slack_env.texts(channel))
    await slack_env.container.slack.room.refresh(incident_id)  # as the next change would
    card = last_card(slack_env, channel)
    assert "Activated" in card
    assert "Provider contact deadline" in card
    assert "KPMG: paged" in card
    assert f"contact due by {deadline}" in card
    assert "min left" in card
    events = kinds(await slack_env.timeline(incident_id))
    assert {"ProviderPaged", "ActivationEmailSent", "PageDelivered", "ProviderInvited"} <= set(
        events
    )


async def test_help_lists_the_commands_and_mou_says_how_to_use_it(slack_env) -> None:
    _, answer = await slack_env.send(sr.slash_command(text="help"))
    for usage in ("/cir mou sent|signed", "/cir override-mou", "/cir activate"):
        assert usage in answer
    await slack_env.send(sr.slash_command(text="mou maybe", user_id=KPMG_USER))
    assert "Usage: `/cir mou sent|signed" in ephemeral_to(slack_env, KPMG_USER)[-1]
    await slack_env.send(sr.slash_command(text="activate", channel_id="C0TRIAGE"))
    assert "/cir activate CIR-2026-0001" in ephemeral_to(slack_env, ASSESSOR)[-1]


async def test_with_the_scheduler_running_the_page_goes_out_without_waiting_for_a_sweep(
    slack_env,
) -> None:
    """As in production: the listener wakes the scheduler, which sends the page at once. The
    harness's sweep is an hour away, so the page can only come from the listener."""
    incident_id, _ = await awaiting_mou(slack_env)
    await submit(slack_env, override_form(incident_id, "Council's email is compromised."))
    scheduler = slack_env.runtime.scheduler
    await scheduler.start()
    try:
        await within(scheduler.caught_up(), "the scheduler's first pass")
        assert slack_env.slack.messages(KPMG_PAGING) == []
        assert await submit(slack_env, activate_form(incident_id, "on_duty")) == {}

        async def paged() -> bool:
            return bool(slack_env.slack.messages(KPMG_PAGING))

        await until(paged, "the provider's page (the sweep is an hour away)")
    finally:
        await scheduler.stop()
    [page] = slack_env.slack.messages(KPMG_PAGING)
    assert "has activated Cyber Incident Response" in slack_env.slack.message_text(page)


async def test_only_an_assessor_gets_the_activate_and_override_forms(slack_env) -> None:
    incident_id, channel = await awaiting_mou(slack_env)
    opened_before = len(slack_env.slack.calls_to("views.open"))
    for action in ("activate", "override_mou"):
        await slack_env.send(click(action, incident_id, "U0KPMG1", "T0KPMG", channel))
    assert len(slack_env.slack.calls_to("views.open")) == opened_before
    refusals = ephemeral_to(slack_env, "U0KPMG1")
    assert len(refusals) == 2
    assert all("assessors" in r for r in refusals)
    assert (await slack_env.only_incident()).state is State.AWAITING_MOU
