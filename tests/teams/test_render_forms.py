"""The Teams forms and answers: what a council or provider fills in and what the Teams flows
read back. Inputs are named as the use cases name their field errors, limits are theirs, every
submit is an Action.Execute named as the Slack form's callback, and Cancel brings the card back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.domain.lessons import QUESTIONS, REQUIRED
from bot.domain.states import State
from bot.domain.uk_time import LONDON
from bot.usecases.ending import Ending
from bot.views.actions import Action, Form
from bot.views.card import build_card
from handlers.teams.render import messages
from handlers.teams.render.card import incident_card
from handlers.teams.render.closing_forms import ending_form, lessons_form
from handlers.teams.render.inputs import uk_date_time
from handlers.teams.render.provider_forms import contact_form
from handlers.teams.render.response_forms import note_form, phase_form, status_update_form
from tests.teams.catalogue import checklist, council, every_card, incident

SUMMER = datetime(2026, 7, 1, 12, 5, tzinfo=UTC)  # 13:05 in London


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


def executes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "Action.Execute" else []
        return found + [a for v in node.values() for a in executes(v)]
    if isinstance(node, list):
        return [a for item in node for a in executes(item)]
    return []


def test_the_status_update_form() -> None:
    made = incident(State.CONTAINMENT)
    card = status_update_form(made)
    submit, cancel = card["actions"]
    assert (submit["verb"], submit["data"], submit["associatedInputs"]) == (
        "status_update_form",
        {"value": made.id},
        "auto",
    )
    assert (cancel["verb"], cancel["data"], cancel["associatedInputs"]) == (
        "refresh",
        {"value": made.id},
        "none",
    )
    fields = inputs(card)
    assert list(fields) == ["what_changed", "impact", "next_steps", "personal_data"]
    assert all(fields[k]["isRequired"] for k in ("what_changed", "impact", "next_steps"))
    assert fields["what_changed"]["maxLength"] == 3000
    toggle = fields["personal_data"]
    assert (toggle["valueOn"], toggle["value"]) == ("involved", "not_involved")


def test_the_phase_form_offers_the_targets_it_is_given() -> None:
    card = phase_form(incident(State.CONTAINMENT), [State.ERADICATION, State.CLOSED])
    target = inputs(card)["target"]
    assert [c["value"] for c in target["choices"]] == ["eradication", "closed"]
    assert card["actions"][0]["verb"] == "phase_form"
    assert inputs(card)["summary"]["isRequired"]


def test_the_note_form() -> None:
    card = note_form(incident())
    assert card["actions"][0]["verb"] == Form.NOTE.value
    assert inputs(card)["note"]["maxLength"] == 3000


def test_the_lessons_form_asks_the_cores_questions() -> None:
    fields = inputs(lessons_form(incident(State.CLOSED), "Hackney"))
    keys = [k for k, _ in QUESTIONS]
    assert list(fields)[: len(keys)] == keys
    assert [k for k in fields if fields[k].get("isRequired")] == sorted(REQUIRED)
    assert "recommendation_3" in fields
    assert "recommendation_3_owner" in fields


def test_the_contact_form_starts_at_now_in_uk_time() -> None:
    card = contact_form(incident(State.ACTIVATED), SUMMER)
    fields = inputs(card)
    assert (fields["contact_date"]["value"], fields["contact_time"]["value"]) == (
        "2026-07-01",
        "13:05",
    )
    assert [c["value"] for c in fields["method"]["choices"]] == [
        "phone",
        "video",
        "on_site",
        "email",
    ]
    assert card["actions"][0]["verb"] == Form.CONTACT.value


def test_a_date_and_time_read_back_as_uk_time() -> None:
    assert uk_date_time("2026-07-01", "13:05") == datetime(2026, 7, 1, 13, 5, tzinfo=LONDON)
    assert uk_date_time("2026-07-01", "13:05") == SUMMER
    for day, clock in (("", "13:05"), ("2026-13-01", "10:00"), ("2026-07-01", "25:00")):
        assert uk_date_time(day, clock) is None


def test_declining_support() -> None:
    made = incident(State.AWAITING_MOU)
    card = ending_form(made, Ending.DECLINED, checklist(), council())
    assert card["actions"][0]["verb"] == Form.DECLINE_SUPPORT.value
    assert inputs(card)["reason"]["maxLength"] == 1000
    assert "not mandatory" in card["body"][1]["text"]


def test_mou_and_recovery_opt_in_are_buttons_on_the_card() -> None:
    mou = incident_card(build_card(incident(State.AWAITING_MOU), council()))
    verbs = [a["verb"] for a in executes(mou)]
    assert {"mou_sent", "mou_signed", "decline_support"} <= set(verbs)
    recovery = incident_card(build_card(incident(State.ERADICATION), council()))
    assert "recovery_opt_in" in [a["verb"] for a in executes(recovery)]


def test_past_five_buttons_the_rest_are_under_more() -> None:
    card = incident_card(build_card(incident(State.AWAITING_MOU), council()))
    shown = card["actions"]
    assert len(shown) == 5
    assert shown[-1]["type"] == "Action.ShowCard"
    assert len(executes(card)) == 6  # four, then MoU's decline and the checklist under More


def test_every_verb_is_one_the_edges_dispatch_on() -> None:
    known = {a.value for a in Action} | {f.value for f in Form} | {"refresh"}
    for name, card in every_card().items():
        for action in executes(card):
            assert action["verb"] in known, (name, action["verb"])
            assert set(action["data"]) == {"value"}, name


def test_refusals_and_answers_are_plain_and_defused() -> None:
    said = "Only <at>Provider X</at> may do that @here"
    refused = messages.refusal(said)
    assert refused["statusCode"] == 200
    assert refused["type"] == "application/vnd.microsoft.activity.message"
    assert refused["value"] == "Only ＠Provider X may do that ＠here"
    assert messages.answer(said) == {
        "type": "message",
        "text": "Only ＠Provider X may do that ＠here",
        "textFormat": "plain",
    }
    card = {"type": "AdaptiveCard"}
    assert messages.card_response(card)["value"] is card


def test_a_page_notifies_with_its_words_not_card() -> None:
    from bot.ports.chat import OutboundMessage
    from handlers.teams.render.outbound import outbound_card, outbound_summary

    page = OutboundMessage(text="Contact the council by 09:30.", title="CIR activation: Hackney")
    sent = messages.card_message(outbound_card(page), outbound_summary(page) * 50)
    assert sent["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert sent["summary"].startswith("[OFFICIAL] CIR activation: Hackney: Contact the council")
    assert len(sent["summary"]) == 300
