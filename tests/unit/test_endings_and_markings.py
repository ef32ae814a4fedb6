"""The pure parts of ending an incident and of a marking that follows what is learnt: which
buttons each state offers, the aggregate's marking rules, and the words that must say exactly
what the bot does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.actors import SYSTEM
from bot.domain.incident import AttackerActive, Incident, Marking, Referral
from bot.domain.reference import Reference
from bot.domain.states import State
from bot.views.actions import Action
from bot.views.card import buttons_for
from bot.views.page import activation_email, interval
from tests.factories import ASSESSOR

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
PRE_ACTIVATION = {
    State.REFERRAL_RECEIVED,
    State.THRESHOLD_CHECK,
    State.MONITORING,
    State.AWAITING_MOU,
}


def made(state: State = State.REFERRAL_RECEIVED, personal_data: bool = False) -> Incident:
    referral = Referral(
        council_id="hackney",
        description="x",
        detected_at=NOW - timedelta(hours=1),
        services_affected="benefits",
        attacker_active=AttackerActive.NO,
        contact_name="Hana",
        contact_email="hana@hackney.example",
        contact_phone="07700 900555",
        personal_data_involved=personal_data,
    )
    incident = Incident.open("i1", Reference(2026, 1), referral, ASSESSOR, NOW)
    incident.state = state
    incident.pending_events.clear()
    return incident


@pytest.mark.parametrize("state", list(State))
def test_decline_is_offered_until_activation_and_close_only_while_monitored(state: State) -> None:
    actions = {b.action for b in buttons_for(made(state))}
    assert (Action.DECLINE_SUPPORT in actions) == (state in PRE_ACTIVATION)
    assert (Action.CLOSE_MONITORING in actions) == (state is State.MONITORING)


def test_a_declined_or_closed_incident_still_offers_the_checklist() -> None:
    actions = [b.action for b in buttons_for(made(State.WITHDRAWN))]
    assert actions == [Action.UPDATE_CHECKLIST]


def test_learning_of_personal_data_raises_the_marking_once() -> None:
    incident = made()
    assert incident.learn_personal_data("threshold_check", ASSESSOR, NOW)
    assert incident.marking is Marking.OFFICIAL_SENSITIVE
    assert incident.referral.personal_data_involved
    assert [e.kind for e in incident.pending_events] == ["PersonalDataInvolved", "MarkingRaised"]
    assert not incident.learn_personal_data("ico_reported", ASSESSOR, NOW)
    assert len(incident.pending_events) == 2


def test_a_marking_is_never_lowered() -> None:
    incident = made(personal_data=True)
    assert incident.marking is Marking.OFFICIAL_SENSITIVE
    assert not incident.raise_marking(Marking.OFFICIAL, "nothing sensitive", SYSTEM, NOW)
    assert incident.marking is Marking.OFFICIAL_SENSITIVE
    assert incident.pending_events == []


def test_the_activation_email_promises_only_what_the_bot_knows() -> None:
    _, body = activation_email(made(State.ACTIVATED), None, [], NOW + timedelta(minutes=30))
    assert "you have not been contacted" not in body
    assert "you do not need to chase" not in body
    assert "If it has not recorded contact by then, MHCLG's duty manager is alerted" in body


@pytest.mark.parametrize(
    ("every", "words"),
    [
        (timedelta(hours=24), "24 hours"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(days=3), "3 days"),
    ],
)
def test_review_intervals_read_as_words(every: timedelta, words: str) -> None:
    assert interval(every) == words
