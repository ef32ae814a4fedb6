"""Every message, modal and Home tab the Slack edge builds, rendered from its view models with
the worst inputs people can type, is one Slack accepts (checked by `sandbox/slack/rules`,
the rules the Web API stand-in answers by).

Worst inputs: every typed field at its form's `max_length`, made of characters that grow when
escaped for Slack (`&` becomes `&amp;`) and of links that get defanged; names of 80 characters
(Slack's real name limit) with punctuation and emoji; a council name with `*`, `&`, `<`, `>`
and emoji; every checklist item "not needed" with the longest reason; 100 open incidents on
the Home tab."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.actors import Actor, OrgKind
from bot.domain.assessment import Assessment, AssessmentStatus, Decision
from bot.domain.checklist import ItemKind, ItemStatus
from bot.domain.incident import AttackerActive, Incident, Referral
from bot.domain.reference import Reference
from bot.domain.report_shares import Recipient, ReportFormat, ShareState, ShareStatus
from bot.domain.states import State
from bot.domain.threshold import Outcome, Reason, Recommendation
from bot.policy.load import load_policy
from bot.policy.model import Council, Policy
from bot.ports.chat import OutboundMessage
from bot.ports.notify import Delivery
from bot.usecases.checklist import ChecklistRow, ChecklistView
from bot.usecases.ending import Ended, Ending
from bot.usecases.phases import PhaseChanged
from bot.usecases.sharing import Addressee, ShareOutcome
from bot.usecases.threshold import DecisionResult
from bot.usecases.validation import LIMITS
from bot.views import page
from bot.views.card import Fact, IncidentCard, Section, build_card, buttons_for
from bot.views.card_sections import report_share_lines
from bot.views.home import HomeRow
from handlers.slack.render import activation, ending, lessons, messages, response, threshold
from handlers.slack.render.card import card_blocks, card_fallback
from handlers.slack.render.home import home_view
from handlers.slack.render.outbound import outbound_blocks, outbound_fallback
from handlers.slack.render.referral import referral_modal
from sandbox.slack.rules import check_message, check_view, require_accepted

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
# Grows five-fold when escaped, and holds links and mentions that must be neutralised.
AWKWARD = "&<>*_~`|@here <!channel> https://evil.example/x?a=1&b=2 "
NAME = ("Zoë O'Brien-Smythe ⚠️ <@U123> & Co. " * 4)[:80]
COUNCIL_NAME = "St. Helen's & Knowsley *Borough* <Council> ⚠️🏛️ (Merseyside)"


def typed(limit: int) -> str:
    return (AWKWARD * (limit // len(AWKWARD) + 1))[:limit]


def lines(limit: int) -> str:
    """Text at `limit` with many line breaks, the worst case for quoting every line."""
    return ("a\n" * limit)[:limit]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(DEFAULT_CONFIG_DIR)


@pytest.fixture(scope="module")
def council() -> Council:
    base = load_policy(DEFAULT_CONFIG_DIR).councils["hackney"]
    return replace(base, name=COUNCIL_NAME)


def incident(state: State = State.CONTAINMENT) -> Incident:
    referral = Referral(
        council_id="hackney",
        description=typed(LIMITS["description"]),
        detected_at=NOW - timedelta(hours=2),
        services_affected=typed(LIMITS["services_affected"]),
        attacker_active=AttackerActive.UNKNOWN,
        contact_name=typed(LIMITS["contact_name"]),
        contact_email=("x" * 240) + "@council.example",
        contact_phone=typed(LIMITS["contact_phone"]),
        ncsc_reference=typed(LIMITS["ncsc_reference"]),
        bodies_told=("ncsc", "ico", "action_fraud", "warp"),
        personal_data_involved=True,
    )
    actor = Actor("slack:T0MHCLG:U1", NAME, OrgKind.MHCLG, "mhclg")
    made = Incident.open("i1", Reference(2026, 9999), referral, actor, NOW)
    made.state = state
    made.mou_override_reason = typed(2000)
    made.provider_ids = ("kpmg", "accenture")
    return made


def checklist() -> ChecklistView:
    rows = tuple(
        ChecklistRow(
            item=kind,
            label=kind.value.upper(),
            detail=typed(200),
            phone="0300 123 2040",
            status=ItemStatus.NOT_NEEDED,
            reference=typed(LIMITS.get("reference", 3000)),
            reason=typed(LIMITS["reason"]),
            done_at=NOW,
        )
        for kind in ItemKind
    )
    return ChecklistView(rows, True, NOW + timedelta(hours=72))


def accepted_message(text: str, blocks: list[dict[str, Any]]) -> None:
    require_accepted(check_message({"channel": "C1", "text": text, "blocks": blocks}))
    # what people typed never becomes a live mention, ping or link, in the mrkdwn of the
    # blocks or in the fallback text (notifications show it); plain_text is never parsed
    for raw in ("<@U123>", "<!channel>", "<Council>", "https://evil"):
        assert raw not in text, raw
        assert all(raw not in m for m in mrkdwn_texts(blocks)), raw


def mrkdwn_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            return [str(node.get("text", ""))]
        return [t for value in node.values() for t in mrkdwn_texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    return []


def accepted_view(view: dict[str, Any]) -> None:
    require_accepted(check_view(view))


def report_shares() -> list[str]:
    """Every recipient, every outcome, the longest addresses and Notify errors (its errors
    are cut to 200 characters by the adapter; typed text is worse)."""
    shares = [
        ShareStatus(
            r.value, f"{n}" + "x" * 240 + "@council.example", 999, f.value, NOW, state,
            typed(500), "0" * 36,
        )
        for n, (r, f, state) in enumerate(
            (r, f, s) for r in Recipient for f in ReportFormat for s in ShareState
        )
    ]  # fmt: skip
    return report_share_lines(shares, COUNCIL_NAME)


@pytest.mark.parametrize("state", list(State))
def test_the_incident_card_in_every_state(state: State, council: Council) -> None:
    made = incident(state)
    card = build_card(
        made, council, checklist=[typed(3000)] * 4, now=NOW, report_shares=report_shares()
    )
    card = replace(
        card,
        invites=tuple((f"person{n}@" + "x" * 240, "sent") for n in range(40)),
        channel_note=typed(3000),
        sections=(*card.sections, Section("Response", tuple(typed(3000) for _ in range(6)))),
    )
    accepted_message(card_fallback(card), card_blocks(card))


def test_a_card_with_more_facts_than_one_section_holds() -> None:
    facts = tuple(Fact(f"Fact {n}", typed(3000), user_text=True) for n in range(25))
    title = COUNCIL_NAME * 5  # titles are the bot's (reference, council), never typed
    card = IncidentCard(
        "CIR-2026-9999", title, "Containment", "OFFICIAL-SENSITIVE", facts, (), (), ""
    )
    accepted_message(card_fallback(card), card_blocks(card))


def test_pages_reminders_escalations_and_status_updates(policy: Policy, council: Council) -> None:
    made = incident(State.ACTIVATED)
    providers = list(policy.providers.values())
    long_names = [replace(p, name=NAME) for p in providers]
    deadline = NOW + timedelta(minutes=30)
    built: list[OutboundMessage] = [
        page.page_message(made, council, long_names[0], long_names, deadline),
        page.reminder_message(made, council, NAME, deadline),
        page.escalation_message(made, council, long_names, deadline, 9, NOW, with_buttons=True),
        page.review_reminder(made, council),
        page.review_reminder(made, council, timedelta(days=3)),
        page.info_reminder(made, council, typed(3000), NOW),
        OutboundMessage(  # the text and title are the bot's; facts carry what people typed
            text=(COUNCIL_NAME + " & ") * 100,
            title=COUNCIL_NAME * 5,
            facts=tuple(Fact(n, typed(3000), True) for n in ("From", "What", "Impact", "Next")),
            buttons=page.contact_buttons(made),
        ),
    ]
    for message in built:
        accepted_message(outbound_fallback(message), outbound_blocks(message))


def test_decisions_proposals_and_guidance() -> None:
    made = incident(State.THRESHOLD_CHECK)
    assessment = Assessment(
        "a1", made.id, "slack:T:U", {}, "activate", [], AssessmentStatus.RECOMMENDED, NOW,
        rationale=lines(LIMITS["rationale"]),
    )  # fmt: skip
    for decision in Decision:
        for awaiting in (True, False):
            result = DecisionResult(made, assessment, decision, awaiting_confirmation=awaiting)
            accepted_message(*messages.decision_blocks(result, NAME, typed(3000)))


def test_channel_announcements(council: Council) -> None:
    made = incident(State.ERADICATION)
    view = checklist()
    summary = lines(3000)
    accepted_message(
        *response.phase_changed_message(PhaseChanged(made, State.CONTAINMENT), NAME, summary)
    )
    accepted_message(*response.recovery_opt_in_message(made, NAME))
    accepted_message(*response.checklist_message(made, view, "ico", NAME))
    accepted_message(*messages.note_posted_message(made, NAME, lines(3000)))
    names = [NAME, COUNCIL_NAME, NAME]
    accepted_message(*lessons.lessons_request_message(made, names))
    accepted_message(*lessons.lessons_received_message(made, COUNCIL_NAME, NAME))
    accepted_message(*lessons.lessons_closed_message(made, NAME, names))
    accepted_message(*lessons.report_ready_message(made, 999, NAME))
    to = [Addressee(NAME, f"{n}" + "x" * 240 + "@council.example") for n in range(12)]
    for recipient in Recipient:
        for fmt in ReportFormat:
            sent = tuple(
                (a, Delivery(n % 2 == 0, "email", a.email, error=typed(500)))
                for n, a in enumerate(to)
            )
            outcome = ShareOutcome(recipient, 999, fmt, sent)
            accepted_message(*lessons.report_shared_message(made, NAME, outcome, COUNCIL_NAME))
        refusal = typed(3000)
        for fits in (True, False):
            message = lessons.report_too_large_message(made, recipient, refusal, "2.5 MB", fits)
            accepted_message(*message)


def test_the_forms(policy: Policy) -> None:
    made = incident(State.ERADICATION)
    meta = {"incident_id": made.id, "channel": "C" + "1" * 20, "nonce": "n" * 40}
    accepted_view(referral_modal("n" * 40, "C" + "1" * 20))
    accepted_view(response.phase_modal(made, list(State), meta))
    accepted_view(response.status_update_modal(made, meta))
    accepted_view(response.checklist_modal(made, checklist(), meta))
    accepted_view(lessons.lessons_modal(made, COUNCIL_NAME, meta))
    accepted_view(activation.override_mou_modal(made))
    choices = [(c, list(policy.providers.values())) for c in ("on_duty", "other", "both")]
    accepted_view(activation.activate_modal(made, choices, timedelta(minutes=30)))
    accepted_view(activation.contact_modal(made, NOW))
    q = policy.questionnaire
    everything = {x.id: [o.id for o in x.options] for x in q.questions}
    accepted_view(threshold.questionnaire_modal(q, made.id, str(made.reference), everything))
    reasons = tuple(
        Reason("q", typed(300), typed(300), Outcome.ACTIVATE, typed(300)) for _ in range(40)
    )
    rec = Recommendation(Outcome.ACTIVATE, reasons, tuple(typed(200) for _ in range(30)))
    accepted_view(threshold.decision_modal("a" * 32, str(made.reference), rec, True))


@pytest.mark.parametrize("how", list(Ending))
def test_ending_forms_and_announcements(how: Ending, council: Council) -> None:
    """Every obligation "not needed" with the longest reason and reference, the longest reason
    for ending, a council name that grows when escaped."""
    made = incident(State.MONITORING)
    meta = {"incident_id": made.id, "channel": "C" + "1" * 20, "nonce": "n" * 40}
    accepted_view(ending.ending_modal(made, how, checklist(), council, meta))
    result = Ended(made, how, State.MONITORING, typed(LIMITS["reason"]), checklist())
    accepted_message(*ending.ended_message(result, NAME, council))
    outstanding = ChecklistView(
        tuple(replace(r, status=ItemStatus.OUTSTANDING) for r in checklist().rows),
        True,
        NOW + timedelta(hours=72),
    )
    accepted_view(ending.ending_modal(made, how, outstanding, council, meta))
    accepted_message(*ending.ended_message(replace(result, checklist=outstanding), NAME, None))


def test_the_home_tab_with_a_hundred_open_incidents() -> None:
    rows = [
        HomeRow(f"CIR-2026-{n:04d}", COUNCIL_NAME * 3, "Containment", "3 d 4 h",
                ("Provider contact deadline / escalation", NOW), "OFFICIAL-SENSITIVE")
        for n in range(100)
    ]  # fmt: skip
    accepted_view(home_view(rows))
    accepted_view(home_view([]))


def test_the_card_buttons_never_repeat_an_action_id() -> None:
    for state in State:
        ids = [b.action for b in buttons_for(incident(state))]
        assert len(ids) == len(set(ids)), state


def test_the_check_refuses_what_slack_refuses() -> None:
    """The rules used above can fail: an oversized section and a repeated action id."""
    big = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert check_message({"channel": "C1", "text": "t", "blocks": big})
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b"}}
    twice = [{"type": "actions", "elements": [button, button]}]
    assert check_message({"channel": "C1", "text": "t", "blocks": twice})


def test_the_question_about_a_councils_workspace_and_its_answers() -> None:
    from bot.domain.bindings import Platform
    from bot.domain.org_bindings import BindingStatus, TeamBinding
    from bot.usecases.org_bindings import TeamProposal
    from bot.views.workspaces import decided_message, proposal_message

    long_council = (COUNCIL_NAME + " ") * 3  # config has no limit on a name's length
    binding = TeamBinding(
        Platform.SLACK, "T" + "Z" * 30, "council", "hackney", BindingStatus.PENDING, "i1",
        "U" + "9" * 63, NOW, decided_by_name=NAME, decided_at=NOW,
    )  # fmt: skip
    for status in BindingStatus:
        made = TeamProposal(replace(binding, status=status), long_council, "CIR-2026-9999")
        for message in (proposal_message(made), decided_message(made)):
            accepted_message(outbound_fallback(message), outbound_blocks(message))
