"""The page draws every kind of block and input Slack has that the bot may use, and sends what
Slack's client sends for each; it keeps hostile text inert. Here the app behind the sandbox is a
script (it records each request and answers as a Slack app may: inline errors, a pushed view, an
updated one), so what the page sends can be read exactly."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.serve import Sandbox
from tests.browser.seat import Seat, expect

pytestmark = pytest.mark.browser
Answer = dict[str, Any]


def plain(text: str) -> Answer:
    return {"type": "plain_text", "text": text}


def option(value: str, text: str) -> Answer:
    return {"text": plain(text), "value": value}


OPTIONS = [option("a", "Alpha"), option("b", "Bravo"), option("c", "Charlie")]
GALLERY: list[dict[str, Any]] = [
    {"type": "header", "text": plain("Gallery header")},
    {
        "type": "section",
        "block_id": "sec",
        "text": {
            "type": "mrkdwn",
            "text": "*bold* _italic_ ~gone~ `code` <https://www.gov.uk|GOV.UK> "
            "<javascript:alert(1)|bad link> <@U0ASSESSOR1> <!date^1700000000^{date}|then>\n"
            "&gt; a quote &lt;b&gt;not bold&lt;/b&gt;",
        },
        "fields": [
            {"type": "mrkdwn", "text": "*Field one*\n1"},
            {"type": "plain_text", "text": "Two"},
        ],
        "accessory": {
            "type": "button",
            "action_id": "acc",
            "text": plain("Accessory"),
            "value": "v1",
        },
    },
    {"type": "divider"},
    {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "rich ", "style": {"bold": True}},
                    {"type": "text", "text": "<b>kept as text</b>"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "bullet",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "two"}]},
                ],
            },
        ],
    },
    {
        "type": "context",
        "elements": [
            {"type": "image", "image_url": "https://example.org/x.png", "alt_text": "a crest"},
            {"type": "mrkdwn", "text": "context *line*"},
        ],
    },
    {"type": "image", "image_url": "https://example.org/map.png", "alt_text": "a map of England"},
    {
        "type": "actions",
        "block_id": "acts",
        "elements": [
            {
                "type": "button",
                "action_id": "go",
                "text": plain("Go"),
                "value": "go-1",
                "style": "primary",
            },
            {
                "type": "static_select",
                "action_id": "pick",
                "placeholder": plain("Pick"),
                "options": OPTIONS,
            },
            {"type": "overflow", "action_id": "more", "options": OPTIONS[:2]},
        ],
    },
]


def _input(block_id: str, label: str, element: Answer, **more: Any) -> Answer:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {"action_id": "value", **element},
        **more,
    }


FORM = {
    "type": "modal",
    "callback_id": "gallery_form",
    "title": plain("Every input"),
    "submit": plain("Send"),
    "close": plain("Cancel"),
    "blocks": [
        _input("line", "One line", {"type": "plain_text_input"}),
        _input("para", "Paragraph", {"type": "plain_text_input", "multiline": True}),
        _input("one", "Static select", {"type": "static_select", "options": OPTIONS}),
        _input("many", "Multi select", {"type": "multi_static_select", "options": OPTIONS}),
        _input("ext", "External select", {"type": "external_select", "min_query_length": 1}),
        _input("boxes", "Checkboxes", {"type": "checkboxes", "options": OPTIONS}),
        _input("radio", "Radio buttons", {"type": "radio_buttons", "options": OPTIONS}),
        _input("day", "Date", {"type": "datepicker"}),
        _input("hour", "Time", {"type": "timepicker"}),
        _input("moment", "Date and time", {"type": "datetimepicker"}),
        _input("maybe", "Optional", {"type": "plain_text_input"}, optional=True),
    ],
}
PUSHED = {
    "type": "modal",
    "callback_id": "pushed_form",
    "title": plain("Pushed"),
    "submit": plain("Next"),
    "close": plain("Back"),
    "blocks": [_input("why", "Why", {"type": "plain_text_input"})],
}
UPDATED = {
    "type": "modal",
    "callback_id": "updated_form",
    "title": plain("Updated"),
    "close": plain("Done"),
    "blocks": [{"type": "section", "text": plain("All done.")}],
}


class ScriptedApp:
    """Stands in for the bot: records each signed request's payload and answers from a script."""

    def __init__(self, answers: Callable[[Answer], Answer | None]) -> None:
        self.seen: list[Answer] = []
        self._answers = answers

    async def __call__(self, body: str) -> tuple[int, str]:
        payload = json.loads(parse_qs(body)["payload"][0]) if "payload=" in body else {}
        self.seen.append(payload)
        answer = self._answers(payload)
        return 200, json.dumps(answer) if answer is not None else ""

    def of(self, kind: str) -> list[Answer]:
        return [p for p in self.seen if p.get("type") == kind]


def script(payload: Answer) -> Answer | None:
    if payload["type"] == "block_suggestion":
        return {"options": [option("x1", f"Result for {payload['value']}")]}
    if payload["type"] != "view_submission":
        return None
    view = payload["view"]
    if view["callback_id"] == "gallery_form":
        if view["state"]["values"]["line"]["value"]["value"] != "fixed":
            return {"response_action": "errors", "errors": {"line": "Type fixed here."}}
        return {"response_action": "push", "view": PUSHED}
    if view["callback_id"] == "pushed_form":
        return {"response_action": "update", "view": UPDATED}
    return None


async def test_every_block_and_input_drawn_and_sent_as_slack_sends_it(
    sandbox: tuple[Sandbox, str], browser: Any, shots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, root = sandbox
    app = ScriptedApp(script)
    monkeypatch.setattr(running.desk.slack, "_send", app)
    ada = await Seat.open(browser, root, "U0ASSESSOR1")
    client = AsyncWebClient(token="xoxb-sandbox", base_url=running.slack.base_url)
    await client.chat_postMessage(channel="C0TRIAGE", text="gallery", blocks=GALLERY)
    await ada.channel("cir-triage")
    message = await ada.sees("Gallery header")

    # drawn: header, mrkdwn, fields, image alt texts; a javascript: link is not a link
    await expect(message.locator("h3")).to_have_text("Gallery header")
    await expect(message.locator("b").first).to_have_text("bold")
    await expect(message.locator("i").first).to_have_text("italic")
    await expect(message.locator("s")).to_have_text("gone")
    await expect(message.locator("code")).to_have_text("code")
    await expect(message.locator('a[href="https://www.gov.uk/"]')).to_have_text("GOV.UK")
    await expect(message.locator("a", has_text="bad link")).to_have_count(0)
    await expect(message).to_contain_text("@Ada Assessor")
    await expect(message.locator("blockquote")).to_contain_text("a quote <b>not bold</b>")
    await expect(message.locator(".bk-field")).to_have_count(2)
    await expect(message).to_contain_text("rich <b>kept as text</b>")
    await expect(message.locator("ul > li")).to_have_count(2)
    await expect(message).to_contain_text("[image: a crest]")
    await expect(message).to_contain_text("[image: a map of England]")
    await ada.shot(shots, "10-block-kit")

    # each interactive element sends its block_actions
    await message.get_by_role("button", name="Accessory").click()
    await message.get_by_role("button", name="Go").click()
    await message.locator('select[data-action="pick"]').select_option("b")
    await message.locator("details.overflow summary").first.click()
    await message.get_by_role("button", name="Bravo").click()
    for _ in range(200):  # each click is sent as the person makes it
        if len(app.of("block_actions")) >= 4:
            break
        await ada.page.wait_for_timeout(100)
    acts = [p["actions"][0] for p in app.of("block_actions")]
    assert [(a["action_id"], a["type"]) for a in acts] == [
        ("acc", "button"),
        ("go", "button"),
        ("pick", "static_select"),
        ("more", "overflow"),
    ]
    assert acts[0]["value"] == "v1"
    assert acts[2]["selected_option"]["value"] == "b"
    assert acts[3]["selected_option"]["value"] == "b"
    first = app.of("block_actions")[0]
    assert first["container"]["type"] == "message"
    assert first["channel"]["id"] == "C0TRIAGE"
    assert first["user"]["id"] == "U0ASSESSOR1"
    assert first["user"]["team_id"] == "T0MHCLG"

    # a reply in the message's thread, shown under it; hostile words stay words
    await message.locator("details.more > summary").click()
    await message.get_by_role("button", name="Reply in thread").click()
    await ada.say("<b>a reply</b> <script>window.pwned=1</script>")
    reply = ada.page.locator("#messages .replies .msg")
    await expect(reply).to_contain_text("<b>a reply</b> <script>window.pwned=1</script>")
    assert await ada.page.evaluate("window.pwned") is None
    [typed] = [m for m in running.desk.ws.channels["C0TRIAGE"].messages if m.user == ada.user_id]
    assert typed.thread_ts == await message.get_attribute("data-ts")
    assert typed.text == "&lt;b&gt;a reply&lt;/b&gt; &lt;script&gt;window.pwned=1&lt;/script&gt;"

    # a modal with every input: Slack's own required check, the app's inline error, push, update
    trigger = running.desk.ws.new_trigger("U0ASSESSOR1")
    await client.views_open(trigger_id=trigger, view=FORM)
    await ada.modal_titled("Every input")
    await ada.submit()
    await expect(ada.field("line").locator(".error")).to_have_text(
        "Please complete this required field."
    )
    assert app.of("view_submission") == []  # Slack's client stopped it: nothing sent
    await ada.type_in("line", "wrong")
    await ada.type_in("para", "two\nlines")
    await ada.pick("one", "c")
    await ada.pick("many", "a", "b")
    await ada.search("ext", "lee", "Result for lee")
    await ada.tick("boxes", "a")
    await ada.tick("boxes", "c")
    await ada.tick("radio", "b")
    await ada.field("day").locator("input.date").fill("2026-03-30")
    await ada.field("hour").locator("input.time").fill("08:15")
    await ada.when("moment", "2026-03-30", "09:45")
    await ada.submit()
    await expect(ada.field("line").locator(".error")).to_have_text("Type fixed here.")
    await ada.shot(shots, "11-modal-errors")
    await ada.type_in("line", "fixed")
    await ada.submit()
    await ada.modal_titled("Pushed")
    values = app.of("view_submission")[-1]["view"]["state"]["values"]
    got = {block: next(iter(v.values())) for block, v in values.items()}
    assert got["line"] == {"type": "plain_text_input", "value": "fixed"}
    assert got["para"]["value"] == "two\nlines"
    assert got["one"]["selected_option"]["value"] == "c"
    assert [o["value"] for o in got["many"]["selected_options"]] == ["a", "b"]
    assert got["ext"]["selected_option"] == option("x1", "Result for lee")
    assert [o["value"] for o in got["boxes"]["selected_options"]] == ["a", "c"]
    assert got["radio"]["selected_option"]["value"] == "b"
    assert got["day"] == {"type": "datepicker", "selected_date": "2026-03-30"}
    assert got["hour"] == {"type": "timepicker", "selected_time": "08:15"}
    assert isinstance(got["moment"]["selected_date_time"], int)
    assert got["maybe"]["value"] is None
    [suggested] = app.of("block_suggestion")[-1:]
    assert suggested["block_id"] == "ext"
    assert suggested["value"] == "lee"

    assert len(running.desk.ws.modals["U0ASSESSOR1"]) == 2  # pushed on top
    await ada.type_in("why", "because")
    await ada.submit()
    await ada.modal_titled("Updated")
    await expect(ada.modal).to_contain_text("All done.")
    await ada.modal.locator('[data-modal="close"]').click()
    await ada.modal_titled("Every input")  # back to the first view
    await ada.modal.locator('[data-modal="close"]').click()
    await ada.modal_closed()
