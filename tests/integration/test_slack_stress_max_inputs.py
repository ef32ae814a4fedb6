"""One incident from referral to shared report, walked through signed Slack requests, with every
typed field at its limit and made of what grows when escaped (`&<>`, a link, `<!channel>`), by
people whose Slack names are 80 characters of punctuation and emoji. Whatever the bot sent to
the Web API on the way must be something real Slack accepts (`sandbox.slack.rules.check_call`)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.domain.states import State
from bot.usecases.validation import LIMITS
from sandbox.slack import signed_requests as sr
from sandbox.slack.rules import check_call, check_view
from tests.integration.slack_activation_steps import (
    KPMG_PAGING,
    activate_form,
    click,
    override_form,
    radio,
)
from tests.integration.slack_activation_steps import meta as activation_meta
from tests.integration.slack_activation_steps import notify_api as notify_api  # Notify configured
from tests.integration.slack_harness import ASSESSOR, SlackEnv, referral_submission
from tests.integration.slack_response_steps import (
    COUNCIL,
    PROVIDER,
    change_phase,
    checklist,
    events,
    press,
    slash,
    state_of,
    submission,
    submit,
)
from tests.integration.slack_response_steps import env as env  # + a council user, re-exported
from tests.integration.test_slack_lessons_report import lessons_form
from tests.integration.test_slack_threshold import RANSOMWARE, assess, assessment_id_of, decide

TEXT = 3000  # FieldErrors' limit for a text LIMITS does not name, and every modal's max_length
OVERRIDE_REASON = 2000  # the override form's max_length
EVIL = "Tom & Jerry <b>1<2>3</b> see https://evil.example/a?b=1&c=2 <!channel> & <@U0ASSESSOR2> "
NAME = 'Åda O\'Brien-Smythe & Co. <CIR lead> "Assessor" (MHCLG); 🛡️🔥🚨 #1 @here!'
PEOPLE = {ASSESSOR: "T0MHCLG", PROVIDER: "T0KPMG", COUNCIL: "T0HACKNEY"}


def exactly(n: int, unit: str) -> str:
    """`unit` repeated to exactly `n` characters, with no space at either end (forms strip)."""
    text = (unit * (n // len(unit) + 1))[:n]
    head, tail = (("X" if c.isspace() else c) for c in (text[0], text[-1]))
    return head + text[1:-1] + tail


def evil(n: int, lines: bool = True, seed: str = "") -> str:
    """Exactly `n` characters of text that grows when escaped for Slack, with a line break every
    40 or so characters if `lines`."""
    unit = EVIL.replace(" see ", "\nsee ").replace("> & ", ">\n& ") if lines else EVIL
    return exactly(n, seed + unit)


def real_name(user: str) -> str:
    """80 characters of punctuation and emoji, different per person."""
    name = f"{user} · {NAME} " + "ø" * 80
    return name[:80]


def email_of_max_length() -> str:
    """A valid 254-character address: a 64-character local part with `&'+`, labels of 63."""
    local = ("o'brien&co+cir-" * 5)[:64]
    domain = ".".join(["hackney-" + "c" * 55, "council-" + "d" * 55, "e" * 53, "example"])
    address = f"{local}@{domain}"
    assert len(address) == 254
    return address


def text_field(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def max_referral() -> str:
    fields = {
        "description": evil(LIMITS["description"]),
        "services_affected": evil(LIMITS["services_affected"], seed="Payroll & <benefits> "),
        "contact_name": evil(LIMITS["contact_name"], lines=False, seed="Hana O'Neil & <Co> "),
        "contact_email": email_of_max_length(),
        "contact_phone": evil(LIMITS["contact_phone"], lines=False, seed="+44 <7700> & 900555 "),
        "ncsc_reference": evil(LIMITS["ncsc_reference"], lines=False, seed="NCSC-2026-<1>&2 "),
    }
    every_body = [{"value": v} for v in ("ncsc", "ico", "action_fraud", "warp")]
    elements: dict[str, Any] = {name: text_field(value) for name, value in fields.items()}
    return referral_submission(
        **elements, bodies_told={"type": "checkboxes", "selected_options": every_body}
    )


def contact_form(incident_id: str, at: datetime, notes: str) -> str:
    values = {
        "contact_at": {
            "value": {"type": "datetimepicker", "selected_date_time": int(at.timestamp())}
        },
        "method": radio("phone"),
        "notes": {"value": text_field(notes)},
    }
    return sr.view_submission(
        "contact_form",
        values,
        PROVIDER,
        team_id=PEOPLE[PROVIDER],
        private_metadata=activation_meta(incident_id),
    )


async def referral_to_contact(env: SlackEnv) -> tuple[str, str]:
    """Referral, threshold check, decision, MoU override, activation, the page acknowledged and
    contact made; returns (incident id, its channel)."""
    status, body = await env.send(max_referral())
    assert (status, body) == (200, ""), body
    incident = await env.only_incident()
    assert len(incident.referral.description) == LIMITS["description"]
    assert len(incident.referral.contact_email) == LIMITS["contact_email"]
    channel = env.slack.messages()[0]["channel"]  # the incident card is the first post
    await press(env, "start_threshold_check", incident.id, ASSESSOR, channel)
    update = await assess(env, incident.id, RANSOMWARE)
    answered = [p.line for p in check_view(update["view"])]  # the decision form, as answered
    assert not answered, "response_action update with the decision form:\n" + "\n".join(answered)
    rationale = exactly(LIMITS["rationale"], "C3 & <benefits>\nhttps://evil.example/a?b=1&c=2\n\n")
    answer = await decide(env, assessment_id_of(update), "activate", rationale, evil(TEXT))
    assert answer == {}, answer
    for action in ("override_mou", "activate"):  # the forms, opened as a person would
        await env.send(click(action, incident.id, ASSESSOR, "T0MHCLG", channel))
    assert await submit(env, override_form(incident.id, evil(OVERRIDE_REASON))) == {}
    assert await submit(env, activate_form(incident.id, "on_duty")) == {}
    await env.fire_due()  # the page and the council's email, due at once
    assert (await env.only_incident()).provider_ids == ("kpmg",)
    await env.send(click("acknowledge_page", incident.id, PROVIDER, "T0KPMG", KPMG_PAGING))
    await env.fire_due(minutes=5)
    for user in PEOPLE:  # each person's App Home lists the incident
        home = {"type": "app_home_opened", "user": user, "tab": "home", "channel": "D1"}
        await env.send(sr.event_callback(home, team_id=PEOPLE[user]))
    await env.send(click("contact_made", incident.id, PROVIDER, "T0KPMG", KPMG_PAGING))
    notes = evil(TEXT, seed="Spoke to the CISO & <IT> ")
    assert await submit(env, contact_form(incident.id, env.clock.now(), notes)) == {}
    assert await state_of(env, incident.id) is State.CONTAINMENT
    return incident.id, channel


async def respond_and_close(env: SlackEnv, incident_id: str, channel: str) -> None:
    """Phases with summaries at the limit, a full status update, every checklist item not
    needed, a `/cir note` at the limit, then closure."""
    for user, target in ((PROVIDER, "eradication"), (PROVIDER, "recovery")):
        if target == "recovery":
            await press(env, "recovery_opt_in", incident_id, COUNCIL, channel)
        await press(env, "change_phase", incident_id, user, channel)
        summary = evil(TEXT, seed=f"{target} & <done> ")
        assert await change_phase(env, incident_id, channel, user, target, summary) == {}
    update = {k: evil(TEXT, seed=f"{k}: ") for k in ("what_changed", "impact", "next_steps")}
    await env.send(slash("update", PROVIDER, channel))
    await env.send(slash("checklist", COUNCIL, channel))
    form = submission("status_update_form", incident_id, channel, PROVIDER, **update)
    assert await submit(env, form) == {}
    for item in ("ico", "action_fraud", "warp"):
        reason = evil(LIMITS["reason"], seed=f"{item} & <n/a> ")
        body = checklist(incident_id, channel, COUNCIL, item, "not_needed", reason=reason)
        assert await submit(env, body) == {}
    # the NCSC is never "not needed" (the guidance): done, with the longest reference
    reference = evil(LIMITS.get("reference", 3000), seed="NCSC & <ref> ")[:200]
    body = checklist(incident_id, channel, COUNCIL, "ncsc", "done", reference=reference)
    assert await submit(env, body) == {}
    status, _ = await env.send(slash("note " + evil(TEXT, seed="Note & <x> "), PROVIDER, channel))
    assert status == 200
    summary = evil(TEXT, seed="Closed & <restored> ")
    assert await change_phase(env, incident_id, channel, ASSESSOR, "closed", summary) == {}
    assert await state_of(env, incident_id) is State.CLOSED


def full_lessons(incident_id: str, channel: str, user: str) -> str:
    questions = ("what_happened", "went_well", "hindered", "info_sooner", "differently")
    answers = {q: evil(TEXT, seed=f"{q} & <{user}> ") for q in questions}
    for n in (1, 2, 3):
        answers[f"recommendation_{n}"] = evil(TEXT, seed=f"Rec {n} & <fix> ")
        answers[f"recommendation_{n}_owner"] = evil(TEXT, seed=f"Owner {n} & <Council ICT> ")
    return lessons_form(incident_id, channel, user, **answers)


def refusals(env: SlackEnv) -> list[str]:
    """Every call the bot made that real Slack would refuse, one line per problem."""
    refused = []
    for call in env.slack.calls:
        view = call.args.get("view")
        form = f" ({view.get('callback_id') or view.get('type')})" if isinstance(view, dict) else ""
        channel = f" in {call.args['channel']}" if "channel" in call.args else ""
        refused += [
            f"{call.method}{form}{channel}: {p.line}" for p in check_call(call.method, call.args)
        ]
    return refused


async def test_one_incident_at_every_limit_sends_only_what_slack_accepts(env, notify_api) -> None:
    for user, team in PEOPLE.items():
        env.slack.add_user(user, team, real_name(user), f"{user.lower()}@{team.lower()}.example")
    assert all(len(real_name(user)) == 80 for user in PEOPLE)

    incident_id, channel = await referral_to_contact(env)
    await respond_and_close(env, incident_id, channel)
    for user in (ASSESSOR, PROVIDER, COUNCIL):
        await env.send(slash("lessons", user, channel))
        assert await submit(env, full_lessons(incident_id, channel, user)) == {}
    await press(env, "close_lessons", incident_id, ASSESSOR, channel)
    await press(env, "generate_report", incident_id, ASSESSOR, channel)
    await press(env, "share_report:ncsc", f"{incident_id}:ncsc", ASSESSOR, channel)

    refused = refusals(env)
    assert not refused, f"{len(refused)} problem(s) Slack would refuse:\n" + "\n".join(refused)
    timeline = await env.timeline(incident_id)
    assert [e.data for e in timeline if e.kind == "MessageRefused"] == []
    kinds = {e.kind for e in timeline}
    expected = {
        "PageDelivered", "ContactRecorded", "StatusUpdatePosted", "NoteAdded",
        "LessonsCollectionClosed", "ReportGenerated", "ReportShared",
    }  # fmt: skip
    assert expected <= kinds, expected - kinds
    assert len(await events(env, incident_id, "LessonsSubmitted")) == 3
    assert env.slack.messages("C0TRIAGE")
    assert env.slack.messages(KPMG_PAGING)
    updates = await events(env, incident_id, "NotificationItemUpdated")
    # the four bodies told at referral are ticked by the bot, then the council records each
    assert [e.actor_id == "system" for e in updates] == [True] * 4 + [False] * 4
    [ready] = [m for m in env.slack.messages(channel) if "Post-incident report for" in m["text"]]
    buttons = [e for b in ready["blocks"] if b["type"] == "actions" for e in b["elements"]]
    shares = [(b["action_id"], b["value"]) for b in buttons if b["action_id"].startswith("share")]
    assert shares == [
        ("share_report:council", f"{incident_id}:council"),
        ("share_report:mhclg", f"{incident_id}:mhclg"),
        ("share_report:ncsc", f"{incident_id}:ncsc"),
        ("share_report:gc3", f"{incident_id}:gc3"),
    ]
    [shared] = await events(env, incident_id, "ReportShared")
    assert (shared.data["recipient"], shared.data["ok"]) == ("ncsc", True)
    assert await state_of(env, incident_id) is State.REPORT_ISSUED
    posted = json.dumps([(m.get("text"), m.get("blocks")) for m in env.slack.messages()])
    assert "<!channel>" not in posted  # nobody's typed ping reached anyone
    forms = {c["view"].get("callback_id") for c in env.slack.calls_to("views.open")}
    assert forms >= {
        "questionnaire_form", "override_mou_form", "activate_form", "contact_form",
        "phase_form", "status_update_form", "checklist_form", "lessons_form",
    }, forms  # fmt: skip
    assert len(env.slack.calls_to("views.publish")) >= len(PEOPLE)
