"""The council's and the provider's actions on Teams, each through its button, its form and its
submit, posted as Teams posts them: status updates, notes, phases, recovery, lessons learned and
declining support. Each changes the one record the Slack side reads; a replayed submit changes
nothing."""

from __future__ import annotations

from typing import Any

from bot.domain.states import State
from bot.usecases.council_report import COUNCIL_ONLY
from bot.usecases.phases import ChangePhase, change_phase
from handlers.notify.client import NotifyNotifier
from sandbox.notify.api import FakeNotifyApi
from tests.factories import ASSESSOR
from tests.integration.activation_steps import awaiting_mou
from tests.integration.response_steps import events, responding
from tests.integration.teams_harness import TeamsEnv, card_text, verbs
from tests.integration.test_report_sharing import generated, pdf_file, share
from tests.integration.test_report_sharing import notify as notify


async def ready(env: TeamsEnv, state: State = State.CONTAINMENT) -> str:
    assert (await env.post(env.installed(env.kpmg, env.kim)))[0] == 200
    assert (await env.post(env.installed(env.hackney, env.hana)))[0] == 200
    incident = await responding(env.container.uow, env.container.ctx, state)
    return incident.id


async def press(env: TeamsEnv, council: bool, verb: str, incident_id: str, **inputs: str) -> Any:
    where, who = (env.hackney, env.hana) if council else (env.kpmg, env.kim)
    status, answer = await env.post(env.invoke(where, who, verb, incident_id, **inputs))
    assert status == 200
    return answer


async def test_the_provider_posts_a_status_update_and_a_replay_posts_nothing(
    teams_env: TeamsEnv,
) -> None:
    incident_id = await ready(teams_env)
    form = await press(teams_env, False, "post_update", incident_id)
    assert "status_update_form" in verbs(form)
    inputs = {"what_changed": "Servers isolated", "impact": "Benefits down",
              "next_steps": "Rebuild AD", "personal_data": "not_involved"}  # fmt: skip
    submit = teams_env.invoke(teams_env.kpmg, teams_env.kim, "status_update_form", incident_id,
                              **inputs)  # fmt: skip
    status, answer = await teams_env.post(submit)
    assert status == 200
    assert "Containment" in card_text(answer)
    await teams_env.post(submit)  # Teams retries the same invoke
    (posted,) = await events(teams_env.container.uow, incident_id, "StatusUpdatePosted")
    assert posted.organisation == "provider:kpmg"
    assert "Servers isolated" in str(posted.data)


async def test_the_council_cannot_post_a_status_update(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env)
    answer = await press(teams_env, True, "post_update", incident_id)
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    inputs = {"what_changed": "x", "impact": "y", "next_steps": "z"}
    answer = await press(teams_env, True, "status_update_form", incident_id, **inputs)
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert await events(teams_env.container.uow, incident_id, "StatusUpdatePosted") == []


async def test_the_council_adds_a_note_to_the_timeline(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env)
    form = await press(teams_env, True, "add_note", incident_id)
    assert "note_form" in verbs(form)
    await press(teams_env, True, "note_form", incident_id, note="Backups found offsite <b>!</b>")
    (note,) = await events(teams_env.container.uow, incident_id, "NoteAdded")
    assert note.data["text"] == "Backups found offsite <b>!</b>"
    assert note.organisation == "council:hackney"


async def test_an_empty_note_is_refused_in_words(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env)
    answer = await press(teams_env, True, "note_form", incident_id, note="   ")
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert await events(teams_env.container.uow, incident_id, "NoteAdded") == []


async def test_phases_and_the_councils_recovery_opt_in(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env)
    form = await press(teams_env, False, "change_phase", incident_id)
    assert "phase_form" in verbs(form)
    answer = await press(teams_env, False, "phase_form", incident_id, target="eradication",
                         summary="Contained")  # fmt: skip
    assert "Eradication" in card_text(answer)
    await press(teams_env, True, "recovery_opt_in", incident_id)
    incident = await teams_env.incident(incident_id)
    assert incident.state is State.ERADICATION
    assert incident.recovery_opt_in is True


async def test_the_council_gives_its_lessons_once(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env, State.ERADICATION)
    ctx = teams_env.container.ctx  # MHCLG closes the incident, on Slack
    cmd = ChangePhase(ASSESSOR, incident_id, State.CLOSED, "Recovered")
    await change_phase(cmd, teams_env.container.uow(), ctx, ctx.policy.followups)
    form = await press(teams_env, True, "give_lessons", incident_id)
    assert "lessons_form" in verbs(form)
    inputs = {"what_happened": "Ransomware via VPN", "recommendation_1": "MFA on VPN",
              "recommendation_1_owner": "IT"}  # fmt: skip
    await press(teams_env, True, "lessons_form", incident_id, **inputs)
    again = await press(teams_env, True, "lessons_form", incident_id, **inputs)
    assert "already" in again["value"]
    (lessons,) = await events(teams_env.container.uow, incident_id, "LessonsSubmitted")
    assert lessons.organisation == "council:hackney"


async def test_the_council_declines_support_with_a_reason(teams_env: TeamsEnv) -> None:
    assert (await teams_env.post(teams_env.installed(teams_env.hackney, teams_env.hana)))[0] == 200
    incident_id = await awaiting_mou(teams_env.container.uow, teams_env.container.ctx, signed=False)
    form = await press(teams_env, True, "decline_support", incident_id)
    assert "decline_support_form" in verbs(form)
    await press(teams_env, True, "decline_support_form", incident_id, reason="Own IT team copes")
    assert (await teams_env.incident(incident_id)).state is State.WITHDRAWN


async def test_the_council_records_who_it_has_told(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env)
    form = await press(teams_env, True, "update_checklist", incident_id)
    assert "checklist_form" in verbs(form)
    inputs = {"item": "ico", "status": "done", "reference": "ICO-12345",
              "done_date": "", "done_time": ""}  # fmt: skip
    answer = await press(teams_env, True, "checklist_form", incident_id, **inputs)
    assert "ICO-12345" in card_text(answer)
    updated = await events(teams_env.container.uow, incident_id, "NotificationItemUpdated")
    (told,) = [e for e in updated if e.organisation == "council:hackney"]
    assert told.data["item"] == "ico"


async def test_a_half_given_time_is_refused_in_words(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env)
    inputs = {"item": "ico", "status": "done", "reference": "ICO-1", "done_date": "2026-12-04"}
    answer = await press(teams_env, True, "checklist_form", incident_id, **inputs)
    assert answer["value"] == "Give both the date and the time they were told, or neither."
    updated = await events(teams_env.container.uow, incident_id, "NotificationItemUpdated")
    assert [e for e in updated if e.organisation == "council:hackney"] == []


async def test_mhclgs_buttons_say_they_are_pressed_on_slack(teams_env: TeamsEnv) -> None:
    incident_id = await ready(teams_env, State.CLOSED)
    answer = await press(teams_env, True, "generate_report", incident_id)
    assert answer["value"] == "MHCLG's CIR team does this on Slack; nothing was done."
    assert await events(teams_env.container.uow, incident_id, "ReportGenerated") == []


async def test_the_council_reads_the_report_mhclg_shared_with_it(
    teams_env: TeamsEnv, notify: tuple[FakeNotifyApi, NotifyNotifier]
) -> None:
    assert (await teams_env.post(teams_env.installed(teams_env.hackney, teams_env.hana)))[0] == 200
    assert (await teams_env.post(teams_env.installed(teams_env.kpmg, teams_env.kim)))[0] == 200
    uows, ctx = teams_env.container.uow, teams_env.container.ctx
    incident_id, pdf, _ = await generated(uows, ctx)
    reference = str((await teams_env.incident(incident_id)).reference)
    ask = teams_env.message(teams_env.hackney, teams_env.hana, f"report {reference}")

    await teams_env.post(ask)
    assert "has not shared" in teams_env.said(teams_env.hackney)[-1]

    await share(uows, ctx, notify[1], incident_id, "council", pdf_file(pdf))
    await teams_env.post(
        teams_env.message(teams_env.hackney, teams_env.hana, f"report {reference}")
    )
    posted = [p.activity for p in teams_env.teams.connector.posted(teams_env.hackney.id)]
    report = [a for a in posted if a.get("textFormat") == "markdown"]
    assert report, teams_env.said(teams_env.hackney)
    assert report[0]["text"].startswith(f"**[OFFICIAL] {reference} post-incident report")
    assert "Lessons learned" in "".join(a["text"] for a in report)

    await teams_env.post(teams_env.message(teams_env.kpmg, teams_env.kim, f"report {reference}"))
    assert teams_env.said(teams_env.kpmg)[-1] == COUNCIL_ONLY
