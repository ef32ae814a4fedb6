"""The incident card and outbound messages on Teams: what a person on Teams sees and presses.

Buttons dispatch on the same names and values as Slack's, typed text shows literally (no
Markdown, no mention, no live link, no date function), and a card of any typed text fits
Teams' message limit with a visible "(shortened)" mark."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.ports.chat import OutboundMessage
from bot.views.actions import Action, Style
from bot.views.card import Button, Fact, IncidentCard, Section
from handlers.teams.render import attachment, incident_card, outbound_card
from handlers.teams.render.budget import CARD_BUDGET, SHORTENED, activity_size

DUE = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
HOSTILE = (
    "**bold** _it_ <at>Bob</at> @here [x](https://evil.example/a) {{DATE(2026-01-01T00:00:00Z)}}"
)


def card(**changes) -> IncidentCard:
    base = IncidentCard(
        reference="CIR-2026-0007",
        title="CIR-2026-0007 · Wirral Council",
        state="Activated",
        marking="OFFICIAL",
        facts=(Fact("Council", "Wirral Council"), Fact("What happened", HOSTILE, True)),
        deadlines=(("Provider contact deadline / escalation", DUE),),
        invites=(("a@b.example", "sent"),),
        channel_note="Incident channel: #cir-2026-0007",
        buttons=(
            Button(Action.ACKNOWLEDGE_PAGE, "Acknowledge", "inc-7"),
            Button(Action.CONTACT_MADE, "Contact made", "inc-7", Style.PRIMARY),
        ),
        sections=(Section("Response", ("MoU: sent by the provider",)),),
    )
    return IncidentCard(**{**base.__dict__, **changes})


def texts(c: dict) -> str:
    out = [b.get("text", "") for b in c["body"]]
    out += [f"{f['title']}={f['value']}" for b in c["body"] for f in b.get("facts", [])]
    return "\n".join(out)


def test_buttons_are_universal_actions_named_as_on_slack():
    actions = incident_card(card())["actions"]
    assert [(a["type"], a["verb"], a["data"]) for a in actions] == [
        ("Action.Execute", "acknowledge_page", {"value": "inc-7"}),
        ("Action.Execute", "contact_made", {"value": "inc-7"}),
    ]
    assert actions[1]["style"] == "positive"


def test_the_card_asks_teams_to_refresh_it_for_each_viewer():
    c = incident_card(card(), viewers=["29:a", "29:b", "29:a"])
    assert c["refresh"] == {
        "action": {"type": "Action.Execute", "verb": "refresh", "data": {"value": "CIR-2026-0007"}},
        "userIds": ["29:a", "29:b"],
    }
    assert "refresh" not in incident_card(card())


def test_typed_text_shows_literally():
    shown = texts(incident_card(card()))
    assert "\\*\\*bold\\*\\* \\_it\\_" in shown
    assert "<at>" not in shown
    assert "＠Bob" in shown
    assert "＠here" in shown
    assert "https://" not in shown
    assert "hxxps://evil\\[.\\]example" in shown
    assert "\\{\\{DATE(2026-01-01" in shown


def test_deadlines_use_the_viewers_own_clock_and_slack_only_parts_are_left_out():
    shown = texts(incident_card(card()))
    assert "{{TIME(2026-12-04T09:30:00Z)}} {{DATE(2026-12-04T09:30:00Z, SHORT)}}" in shown
    assert "a@b.example" not in shown
    assert "#cir-2026-0007" not in shown


def test_a_card_of_any_typed_text_fits_with_a_visible_mark():
    facts = tuple(Fact(f"Field {i}", "😀⚠️" * 5000, True) for i in range(10))
    c = incident_card(card(facts=facts))
    assert activity_size(c) <= CARD_BUDGET
    assert all(f["value"].endswith(SHORTENED) for f in c["body"][3]["facts"])


def test_outbound_message_is_marked_titled_and_urgent():
    message = OutboundMessage(
        text="MHCLG has activated Cyber Incident Response.",
        title="CIR activation: CIR-2026-0007 · Wirral",
        marking="OFFICIAL-SENSITIVE",
        facts=(Fact("What happened", "x" * 20_000, True), Fact("Contact deadline", "09:30")),
        buttons=(Button(Action.ACKNOWLEDGE_PAGE, "Acknowledge", "inc-7", Style.PRIMARY),),
        urgent=True,
    )
    c = outbound_card(message)
    assert c["body"][0]["text"] == "OFFICIAL-SENSITIVE"
    assert c["body"][1]["color"] == "Attention"
    assert "🚨" in c["body"][1]["text"]
    facts = c["body"][3]["facts"]
    assert facts[0]["value"].endswith(SHORTENED)
    assert facts[1]["value"] == "09:30"
    assert c["actions"][0]["verb"] == "acknowledge_page"
    assert activity_size(c) <= CARD_BUDGET


def test_attachment_wraps_the_card():
    c = outbound_card(OutboundMessage(text="x"))
    assert attachment(c) == {"contentType": "application/vnd.microsoft.card.adaptive", "content": c}


def test_on_the_fullest_card_what_happened_keeps_room() -> None:
    """Sections of many typed lines give way to the facts: even with every field at its limit
    and in emoji (twelve bytes each), the description shows a few hundred characters."""
    from tests.teams.catalogue import incident_cards

    for name, made in incident_cards().items():
        facts = {f["title"]: f["value"] for f in made["body"][3]["facts"]}
        assert len(facts["What happened"]) >= 250, name
        assert facts["What happened"].endswith(SHORTENED), name
        assert activity_size(made) <= CARD_BUDGET, name
