"""Every Adaptive Card the Teams edge can send, rendered from its view models with the worst
inputs people can type: every typed field at its form's limit, made of Markdown, `<at>`
mentions, HTML, Slack syntax, links, Teams' date functions and emoji (which grow twelve-fold
once escaped in JSON), names of 80 characters, a council name full of Markdown, every checklist
item "not needed" with the longest reason, and text of 10,000 characters where a view model
has no limit of its own. The schema and parser tests check each of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app.settings import DEFAULT_CONFIG_DIR
from bot.domain.actors import Actor, OrgKind
from bot.domain.checklist import ItemKind, ItemStatus
from bot.domain.engagement import Engagement
from bot.domain.incident import AttackerActive, Incident, Referral
from bot.domain.reference import Reference
from bot.domain.report_shares import Recipient, ReportFormat, ShareState, ShareStatus
from bot.domain.states import State
from bot.policy.load import load_policy
from bot.ports.chat import OutboundMessage
from bot.usecases.checklist import ChecklistRow, ChecklistView
from bot.usecases.ending import Ending
from bot.usecases.validation import LIMITS
from bot.views import page
from bot.views.card import Fact, Section, build_card
from bot.views.card_sections import report_share_lines
from handlers.teams.render import messages
from handlers.teams.render.card import incident_card
from handlers.teams.render.closing_forms import ending_form, lessons_form
from handlers.teams.render.outbound import outbound_card
from handlers.teams.render.provider_forms import contact_form
from handlers.teams.render.response_forms import (
    checklist_form,
    note_form,
    phase_form,
    status_update_form,
)

Card = dict[str, Any]
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
HOSTILE = (
    "**bold** _it_ ~~del~~ `code` # h1\n- item\n1. one\n> quote\n| a | b |\n"
    "<at>Duty Manager</at> <@U123> <!channel> @here @everyone <b>html</b> &amp; &lt;x&gt; "
    "[click](https://evil.example/x?a=1&b=2) ![img](http://evil.example/i.png) "
    "{{DATE(2026-01-01T00:00:00Z, SHORT)}} ${expr} \\ 🏛️⚠️👩🏽‍💻 "
)
NAME = ("Zoë O'Brien-Smythe ⚠️ <at>x</at> **& Co.** " * 4)[:80]
COUNCIL_NAME = "St. Helen's & Knowsley *Borough* <Council> _[x]_ ⚠️🏛️ (Merseyside)"
LONG = 10_000  # text whose view model has no limit of its own
VIEWERS = [f"29:1{'a' * 40}{n}" for n in range(70)]  # more than Teams refreshes for


def typed(limit: int) -> str:
    return (HOSTILE * (limit // len(HOSTILE) + 1))[:limit]


def emoji(limit: int) -> str:
    return ("👩🏽‍💻🏛️" * limit)[:limit]


def policy():
    return load_policy(DEFAULT_CONFIG_DIR)


def council():
    return replace(policy().councils["hackney"], name=COUNCIL_NAME)


def incident(state: State = State.CONTAINMENT, text=typed) -> Incident:
    referral = Referral(
        council_id="hackney",
        description=text(LIMITS["description"]),
        detected_at=NOW - timedelta(hours=2),
        services_affected=text(LIMITS["services_affected"]),
        attacker_active=AttackerActive.UNKNOWN,
        contact_name=text(LIMITS["contact_name"]),
        contact_email=("x" * 240) + "@council.example",
        contact_phone=text(LIMITS["contact_phone"]),
        ncsc_reference=text(LIMITS["ncsc_reference"]),
        bodies_told=("ncsc", "ico", "action_fraud", "warp"),
        personal_data_involved=True,
    )
    actor = Actor("teams:tenant:user", NAME, OrgKind.COUNCIL, "hackney")
    made = Incident.open("i1", Reference(2026, 9999), referral, actor, NOW)
    made.state = state
    made.mou_override_reason = text(2000)
    made.provider_ids = ("kpmg", "accenture")
    return made


def checklist(status: ItemStatus = ItemStatus.NOT_NEEDED) -> ChecklistView:
    rows = tuple(
        ChecklistRow(
            kind, kind.value.upper(), typed(200), "0300 123 2040", status,
            typed(LIMITS.get("reference", 3000)), typed(LIMITS["reason"]), NOW,
        )
        for kind in ItemKind
    )  # fmt: skip
    return ChecklistView(rows, True, NOW + timedelta(hours=72))


def engagements() -> list[Engagement]:
    late = Engagement("i1", "kpmg", NOW - timedelta(hours=1), NOW - timedelta(minutes=30))
    late.acknowledged_at, late.acknowledged_by_name = NOW - timedelta(minutes=55), NAME
    done = Engagement("i1", "accenture", NOW - timedelta(hours=1), NOW - timedelta(minutes=30))
    done.contact_at, done.contact_by_name, done.contact_method = NOW, NAME, "phone"
    return [late, done]


def shares() -> list[str]:
    made = [
        ShareStatus(r.value, f"{n}" + "x" * 240 + "@council.example", 999, f.value, NOW, s,
                    typed(500), "0" * 36)
        for n, (r, f, s) in enumerate(
            (r, f, s) for r in Recipient for f in ReportFormat for s in ShareState
        )
    ]  # fmt: skip
    return report_share_lines(made, COUNCIL_NAME)


def incident_cards() -> dict[str, Card]:
    cards = {}
    p = policy()
    names = {pid: NAME for pid in p.providers}
    for text in (typed, emoji):
        for state in State:
            made = incident(state, text)
            view = build_card(
                made, council(), deadlines=[], engagements=engagements(), provider_names=names,
                checklist=[text(3000)] * 6, now=NOW, report_shares=shares(),
            )  # fmt: skip
            extra = Section("Response", (text(LONG),) * 20)
            view = replace(view, sections=(*view.sections, extra))
            cards[f"incident card, {state.value}, {text.__name__}"] = incident_card(view, VIEWERS)
    return cards


def outbound_cards() -> dict[str, Card]:
    made = incident(State.ACTIVATED)
    providers = [replace(pr, name=NAME) for pr in policy().providers.values()]
    deadline = NOW + timedelta(minutes=30)
    built = {
        "page": page.page_message(made, council(), providers[0], providers, deadline),
        "reminder": page.reminder_message(made, council(), NAME, deadline),
        "escalation": page.escalation_message(
            made, council(), providers, deadline, 9, NOW, with_buttons=True
        ),
        "review reminder": page.review_reminder(made, council(), timedelta(days=3)),
        "info reminder": page.info_reminder(made, council(), typed(LONG), NOW),
        "mirrored message": OutboundMessage(
            text=(COUNCIL_NAME + " & ") * 100,
            title=COUNCIL_NAME * 5,
            marking="OFFICIAL-SENSITIVE",
            facts=tuple(Fact(n, typed(LONG), True) for n in ("From", "What", "Impact", "Next")),
            buttons=page.contact_buttons(made),
            urgent=True,
        ),
        "mirrored emoji": OutboundMessage(
            text="Status update", facts=tuple(Fact(str(n), emoji(LONG), True) for n in range(8))
        ),
    }
    return {name: outbound_card(message) for name, message in built.items()}


def forms() -> dict[str, Card]:
    made = incident(State.ERADICATION)
    cards = {
        "phase form": phase_form(made, list(State)),
        "status update form": status_update_form(made),
        "note form": note_form(made),
        "checklist form": checklist_form(made, checklist()),
        "lessons form": lessons_form(made, COUNCIL_NAME * 3),
        "contact form": contact_form(made, NOW),
    }
    for how in Ending:
        for status in (ItemStatus.NOT_NEEDED, ItemStatus.OUTSTANDING):
            view = checklist(status)
            cards[f"{how.value} form, {status.value}"] = ending_form(made, how, view, council())
    return cards


def announcements() -> dict[str, Card]:
    return {
        "announcement": messages.announcement(
            "OFFICIAL-SENSITIVE", f"{NAME} moved it to recovery ({COUNCIL_NAME})", typed(LONG)
        ),
        "announcement, emoji": messages.announcement("OFFICIAL", emoji(LONG), emoji(LONG)),
    }


def every_card() -> dict[str, Card]:
    return {**incident_cards(), **outbound_cards(), **forms(), **announcements()}
