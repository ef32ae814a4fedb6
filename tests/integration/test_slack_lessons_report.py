"""After closure, through signed Slack requests: lessons learned once per organisation, the
collection closed by MHCLG, the post-incident report filed as PDF and Markdown with its hash on
the timeline, with its share buttons (sharing itself: test_slack_report_sharing)."""

from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader

from bot.domain.states import State
from tests.integration.slack_harness import ASSESSOR, SlackEnv
from tests.integration.slack_response_steps import (
    COUNCIL,
    PROVIDER,
    change_phase,
    ephemerals,
    events,
    opened,
    press,
    responding,
    slash,
    state_of,
    submission,
    submit,
)
from tests.integration.slack_response_steps import env as env  # the fixture, re-exported

LESSONS = {
    ASSESSOR: ("MHCLG heard at 09:10 and activated by 10:00.", "Out-of-band numbers were stale."),
    PROVIDER: ("KPMG on site within 4 hours.", "Backups were not tested."),
    COUNCIL: ("File servers encrypted overnight.", "MFA was missing on the VPN."),
}


async def closed(env: SlackEnv) -> tuple[str, str]:
    incident_id, channel = await responding(env)
    await change_phase(env, incident_id, channel, PROVIDER, "eradication", "Hosts isolated.")
    await change_phase(env, incident_id, channel, ASSESSOR, "closed", "Service restored.")
    assert await state_of(env, incident_id) is State.CLOSED
    return incident_id, channel


def lessons_form(incident_id: str, channel: str, user: str, **more: str) -> str:
    what, hindered = LESSONS[user]
    fields = {
        "what_happened": what,
        "went_well": "Quick escalation.",
        "hindered": hindered,
        "recommendation_1": f"Fix: {hindered}",
        "recommendation_1_owner": "Council ICT",
        **more,
    }
    return submission("lessons_form", incident_id, channel, user, **fields)


async def test_the_lessons_form_asks_the_five_questions_and_three_owned_recommendations(
    env,
) -> None:
    _, channel = await closed(env)
    await env.send(slash("lessons", COUNCIL, channel, trigger="TRIG-LESSONS"))
    view = opened(env, "TRIG-LESSONS")
    assert view["callback_id"] == "lessons_form"
    ids = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert ids == [
        "what_happened", "went_well", "hindered", "info_sooner", "differently",
        "recommendation_1", "recommendation_1_owner", "recommendation_2",
        "recommendation_2_owner", "recommendation_3", "recommendation_3_owner",
    ]  # fmt: skip
    assert "London Borough of Hackney" in str(view["blocks"][0])


async def test_each_organisation_gives_lessons_once(env) -> None:
    incident_id, channel = await closed(env)
    for user in (ASSESSOR, PROVIDER, COUNCIL):
        assert await submit(env, lessons_form(incident_id, channel, user)) == {}
    given = await events(env, incident_id, "LessonsSubmitted")
    assert [e.data["organisation"] for e in given] == [
        "mhclg:mhclg",
        "provider:kpmg",
        "council:hackney",
    ]
    assert given[2].data["recommendations"] == [
        {"text": "Fix: MFA was missing on the VPN.", "owner": "Council ICT"}
    ]
    assert any("lessons learned from KPMG recorded" in t for t in env.texts(channel))

    again = await submit(
        env, lessons_form(incident_id, channel, PROVIDER, what_happened="Changed my mind.")
    )
    assert again["response_action"] == "errors"
    assert "already submitted" in again["errors"]["what_happened"]
    assert len(await events(env, incident_id, "LessonsSubmitted")) == 3


async def test_a_recommendation_needs_an_owner_and_texts_have_limits(env) -> None:
    incident_id, channel = await closed(env)
    answer = await submit(
        env,
        lessons_form(
            incident_id, channel, PROVIDER, recommendation_1_owner="", went_well="w" * 3001
        ),
    )
    assert answer["response_action"] == "errors"
    assert "required" in answer["errors"]["recommendation_1_owner"]
    assert "the limit is 3000" in answer["errors"]["went_well"]
    assert not await events(env, incident_id, "LessonsSubmitted")


async def test_mhclg_closes_the_collection_and_later_lessons_are_refused(env) -> None:
    incident_id, channel = await closed(env)
    await submit(env, lessons_form(incident_id, channel, PROVIDER))

    await press(env, "close_lessons", incident_id, PROVIDER, channel)
    assert any("Only MHCLG can close" in t for t in ephemerals(env, PROVIDER))
    assert not await events(env, incident_id, "LessonsCollectionClosed")

    await press(env, "close_lessons", incident_id, ASSESSOR, channel)
    assert await events(env, incident_id, "LessonsCollectionClosed")
    [line] = [t for t in env.texts(channel) if "closed the lessons-learned collection" in t]
    assert "No answer from: MHCLG, London Borough of Hackney." in line

    late = await submit(env, lessons_form(incident_id, channel, COUNCIL))
    assert "was closed by Ada Assessor" in late["errors"]["what_happened"]
    assert len(await events(env, incident_id, "LessonsSubmitted")) == 1


async def test_lessons_before_closure_are_refused(env) -> None:
    incident_id, channel = await responding(env)
    answer = await submit(env, lessons_form(incident_id, channel, PROVIDER))
    assert "collected once it is closed" in answer["errors"]["what_happened"]


# --- the post-incident report -------------------------------------------------------------------


async def generated(env: SlackEnv) -> tuple[str, str]:
    incident_id, channel = await closed(env)
    for user in (PROVIDER, COUNCIL):
        await submit(env, lessons_form(incident_id, channel, user))
    await press(env, "generate_report", incident_id, ASSESSOR, channel)
    return incident_id, channel


async def test_mhclg_generates_the_report_as_pdf_and_markdown_in_the_channel(env) -> None:
    incident_id, channel = await generated(env)
    reference = str((await env.timeline(incident_id))[0].data["reference"])
    pdf, markdown = env.slack.uploads
    assert {pdf.channel, markdown.channel} == {channel}
    assert pdf.filename.endswith("-v1.pdf")
    assert markdown.filename.endswith("-v1.md")
    for upload in (pdf, markdown):
        assert reference in upload.title
        assert "[OFFICIAL-SENSITIVE]" in upload.title

    reader = PdfReader(io.BytesIO(pdf.data))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    assert all("OFFICIAL-SENSITIVE" in page for page in pages)
    text = "\n".join(pages)
    assert "Lessons learned" in text
    assert "Backups were not tested." in text
    assert "Lessons learned" in markdown.data.decode()
    assert reference in markdown.data.decode()

    [record] = await events(env, incident_id, "ReportGenerated")
    assert record.data["version"] == 1
    assert record.data["sha256"] == hashlib.sha256(pdf.data).hexdigest()
    assert record.data["markdown_sha256"] == hashlib.sha256(markdown.data).hexdigest()
    assert record.data["url"].startswith("https://")
    [ready] = [m for m in env.slack.messages(channel) if "Post-incident report for" in m["text"]]
    buttons = [e for b in ready["blocks"] if b["type"] == "actions" for e in b["elements"]]
    # one action id per button: Slack refuses an actions block that repeats one
    shares = [b for b in buttons if b["action_id"].startswith("share_report")]
    assert [(b["action_id"], b["value"]) for b in shares] == [
        ("share_report:council", f"{incident_id}:council"),
        ("share_report:mhclg", f"{incident_id}:mhclg"),
        ("share_report:ncsc", f"{incident_id}:ncsc"),
        ("share_report:gc3", f"{incident_id}:gc3"),
    ]
    assert await state_of(env, incident_id) is State.CLOSED  # generated is not yet issued

    await press(env, "generate_report", incident_id, ASSESSOR, channel)
    versions = [e.data["version"] for e in await events(env, incident_id, "ReportGenerated")]
    assert versions == [1, 2]


async def test_only_mhclg_generates_the_report_and_only_after_closure(env) -> None:
    incident_id, channel = await responding(env)
    await press(env, "generate_report", incident_id, ASSESSOR, channel)
    assert any("generated once the incident is closed" in t for t in ephemerals(env, ASSESSOR))
    await change_phase(env, incident_id, channel, PROVIDER, "eradication", "Hosts isolated.")
    await change_phase(env, incident_id, channel, ASSESSOR, "closed", "Service restored.")
    await press(env, "generate_report", incident_id, PROVIDER, channel)
    assert any("Only MHCLG can generate" in t for t in ephemerals(env, PROVIDER))
    assert not env.slack.uploads
    [refused] = await events(env, incident_id, "ActionRefused")
    assert refused.data["action"] == "generate_report"
