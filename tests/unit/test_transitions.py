from datetime import UTC, datetime
from itertools import product

import pytest

from bot.domain.errors import DomainError, IllegalTransition, UnknownState
from bot.domain.incident import AttackerActive, Incident, MouStatus, Referral
from bot.domain.reference import Reference
from bot.domain.states import ALLOWED, State, check_transition
from tests.factories import ASSESSOR

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

EXPECTED_ALLOWED = {
    (State.REFERRAL_RECEIVED, State.THRESHOLD_CHECK),
    (State.REFERRAL_RECEIVED, State.WITHDRAWN),
    (State.THRESHOLD_CHECK, State.MONITORING),
    (State.THRESHOLD_CHECK, State.AWAITING_MOU),
    (State.THRESHOLD_CHECK, State.WITHDRAWN),
    (State.MONITORING, State.THRESHOLD_CHECK),
    (State.MONITORING, State.WITHDRAWN),
    (State.AWAITING_MOU, State.ACTIVATED),
    (State.AWAITING_MOU, State.WITHDRAWN),
    (State.ACTIVATED, State.CONTAINMENT),
    (State.CONTAINMENT, State.ERADICATION),
    (State.ERADICATION, State.RECOVERY),
    (State.ERADICATION, State.CLOSED),
    (State.RECOVERY, State.CLOSED),
    (State.CLOSED, State.REPORT_ISSUED),
}
ALL_PAIRS = list(product(State, State))


def make_incident(state: State) -> Incident:
    referral = Referral(
        council_id="hackney",
        description="x",
        detected_at=NOW,
        services_affected="benefits",
        attacker_active=AttackerActive.UNKNOWN,
        contact_name="n",
        contact_email="n@example.org",
        contact_phone="1",
    )
    incident = Incident.open("id1", Reference(2026, 1), referral, ASSESSOR, NOW)
    incident.state = state
    incident.mou_status = MouStatus.SIGNED
    incident.recovery_opt_in = True
    incident.pending_events.clear()
    return incident


def state_of(incident: Incident) -> State:
    """Read the state afresh: mypy keeps an earlier assert's narrowing across move_to."""
    return incident.state


def test_the_table_is_exactly_the_service_lifecycle() -> None:
    table = {(a, b) for a, targets in ALLOWED.items() for b in targets}
    assert table == EXPECTED_ALLOWED


@pytest.mark.parametrize(("current", "target"), sorted(EXPECTED_ALLOWED))
def test_allowed_transition_moves_and_records_an_event(current: State, target: State) -> None:
    incident = make_incident(current)
    incident.move_to(target, ASSESSOR, NOW, reason="test")
    assert incident.state is target
    [event] = incident.pending_events
    assert event.kind == "StateChanged"
    assert event.data["from_state"] == current.value
    assert event.data["to_state"] == target.value
    assert event.actor_id == ASSESSOR.user_id
    assert event.organisation == "mhclg:mhclg"


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p not in EXPECTED_ALLOWED])
def test_refused_transition_raises_and_changes_nothing(current: State, target: State) -> None:
    incident = make_incident(current)
    with pytest.raises(IllegalTransition) as err:
        incident.move_to(target, ASSESSOR, NOW)
    assert current.label in str(err.value)
    assert target.label in str(err.value)
    assert incident.state is current
    assert incident.pending_events == []


def test_activation_needs_a_signed_mou_or_an_override() -> None:
    incident = make_incident(State.AWAITING_MOU)
    incident.mou_status = MouStatus.SENT
    with pytest.raises(DomainError, match="Memorandum of Understanding"):
        incident.move_to(State.ACTIVATED, ASSESSOR, NOW)
    assert incident.state is State.AWAITING_MOU
    incident.override_mou("Council's mail is encrypted; MoU to follow", ASSESSOR, NOW)
    incident.move_to(State.ACTIVATED, ASSESSOR, NOW)
    assert state_of(incident) is State.ACTIVATED


def test_recovery_needs_the_councils_opt_in() -> None:
    incident = make_incident(State.ERADICATION)
    incident.recovery_opt_in = False
    with pytest.raises(DomainError, match="council-funded"):
        incident.move_to(State.RECOVERY, ASSESSOR, NOW)
    incident.move_to(State.CLOSED, ASSESSOR, NOW)
    assert incident.state is State.CLOSED


def test_unknown_state_is_a_clear_error() -> None:
    with pytest.raises(UnknownState, match="'exploded'.*referral_received"):
        State.parse("exploded")
    assert State.parse(" Containment ") is State.CONTAINMENT


def test_check_transition_names_the_final_state() -> None:
    with pytest.raises(IllegalTransition, match="final state"):
        check_transition(State.WITHDRAWN, State.THRESHOLD_CHECK)


def test_reference_format_and_parse() -> None:
    assert str(Reference(2026, 42)) == "CIR-2026-0042"
    assert Reference.parse("cir-2026-0042") == Reference(2026, 42)
    with pytest.raises(DomainError, match="not an incident reference"):
        Reference.parse("INC-1")
