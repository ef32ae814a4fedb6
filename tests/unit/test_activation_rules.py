"""The pure rules behind activation: who is sent, when contact counts, what the page says."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.actors import OrgKind
from bot.domain.clock import FakeClock
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.engagement import ContactMethod, Engagement, check_contact_time, parse_method
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.incident import AttackerActive, Incident, Referral
from bot.domain.reference import Reference
from bot.domain.states import State
from bot.domain.uk_time import clock_time
from bot.policy.model import Policy, RotaPeriod
from bot.policy.shifts import LONDON
from bot.usecases.activation import choose_providers
from bot.usecases.context import CoreContext
from bot.usecases.firing.outcomes import Undelivered, gave_up
from bot.usecases.participants import is_incident_council, is_incident_provider
from bot.views.actions import Action
from bot.views.page import escalation_message, page_message
from tests.factories import ACCENTURE_RESPONDER, ASSESSOR, COUNCIL_USER, KPMG_RESPONDER

PAGED = datetime(2026, 11, 23, 9, 0, 40, tzinfo=UTC)


def noon(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=LONDON)


def ids(providers: tuple) -> list[str]:
    return [p.id for p in providers]


def test_the_rota_decides_who_is_on_duty_and_other_is_the_one_who_is_not(policy: Policy):
    assert ids(choose_providers(policy, "on_duty", noon(2025, 8, 31))) == ["accenture"]
    assert ids(choose_providers(policy, "on_duty", noon(2025, 9, 1))) == ["kpmg"]
    assert ids(choose_providers(policy, "other", noon(2025, 9, 1))) == ["accenture"]
    assert ids(choose_providers(policy, " Both ", noon(2025, 9, 1))) == ["accenture", "kpmg"]
    assert ids(choose_providers(policy, "kpmg", noon(2025, 8, 1))) == ["kpmg"]


def test_unknown_choices_and_gaps_in_the_rota_are_refused_with_the_options(policy: Policy):
    with pytest.raises(InvalidInput) as bad:
        choose_providers(policy, "deloitte", noon(2026, 1, 1))
    assert "on_duty" in bad.value.field_errors["provider"]
    assert "kpmg" in bad.value.field_errors["provider"]
    with pytest.raises(DomainError, match="No provider is on the rota at 12:00 GMT on 01 Jan 2020"):
        choose_providers(policy, "on_duty", noon(2020, 1, 1))
    both_on_duty = replace(
        policy, rota=(RotaPeriod(noon(2026, 1, 1), None, ("kpmg", "accenture")),)
    )
    with pytest.raises(DomainError, match="no single other provider"):
        choose_providers(both_on_duty, "other", noon(2026, 2, 1))


def engagement() -> Engagement:
    return Engagement("i1", "kpmg", PAGED, PAGED + timedelta(minutes=30))


def test_contact_time_is_checked_to_the_minute_and_never_in_the_future():
    now = PAGED + timedelta(minutes=10)
    check_contact_time(PAGED.replace(second=0), PAGED, now)  # "09:00" after a 09:00:40 page
    check_contact_time(now, PAGED, now)
    with pytest.raises(InvalidInput, match="before the provider was paged"):
        check_contact_time(PAGED - timedelta(minutes=1), PAGED, now)
    with pytest.raises(InvalidInput, match="future"):
        check_contact_time(now + timedelta(seconds=1), PAGED, now)
    with pytest.raises(InvalidInput):
        check_contact_time(now.replace(tzinfo=None), PAGED, now)


def test_contact_at_the_deadline_instant_is_in_time_and_a_second_later_is_not():
    on_time, late = engagement(), engagement()
    now = PAGED + timedelta(hours=1)
    on_time.record_contact(KPMG_RESPONDER, PAGED + timedelta(minutes=30), ContactMethod.PHONE, now)
    late.record_contact(
        KPMG_RESPONDER, PAGED + timedelta(minutes=30, seconds=1), ContactMethod.VIDEO, now
    )
    assert on_time.met_deadline is True
    assert on_time.minutes_to_contact == 30.0
    assert late.met_deadline is False
    assert (on_time.contact_by_name, on_time.contact_method) == ("Kim Responder", "phone")
    with pytest.raises(DomainError, match="already recorded at 09:30 UTC by Kim Responder"):
        on_time.record_contact(KPMG_RESPONDER, now, ContactMethod.PHONE, now)


def test_a_page_is_acknowledged_once():
    e = engagement()
    e.acknowledge(KPMG_RESPONDER, PAGED + timedelta(minutes=2))
    with pytest.raises(DomainError, match="already acknowledged by Kim Responder at 09:02"):
        e.acknowledge(KPMG_RESPONDER, PAGED + timedelta(minutes=3))
    assert e.acknowledged_at == PAGED + timedelta(minutes=2)


def test_contact_methods_are_a_closed_list():
    assert parse_method(" On_Site ") is ContactMethod.ON_SITE
    with pytest.raises(InvalidInput) as bad:
        parse_method("fax")
    assert "phone, video, on_site, email" in bad.value.field_errors["method"]


def test_clock_times_name_both_clocks_across_british_summer_time():
    assert clock_time(datetime(2026, 7, 1, 9, 30, tzinfo=UTC)) == "09:30 UTC (10:30 BST, London)"
    assert clock_time(datetime(2026, 12, 1, 23, 45, tzinfo=UTC)) == "23:45 UTC (23:45 GMT, London)"


def incident() -> Incident:
    referral = Referral(
        council_id="hackney",
        description="*bold* <!channel> encrypted",
        detected_at=PAGED - timedelta(hours=2),
        services_affected="Benefits",
        attacker_active=AttackerActive.YES,
        contact_name="Hana Council",
        contact_email="hana@hackney.example",
        contact_phone="07700 900555",
    )
    return Incident.open("i1", Reference(2026, 42), referral, ASSESSOR, PAGED)


def test_the_page_carries_both_buttons_the_deadline_and_user_text_only_in_facts(policy: Policy):
    kpmg = policy.providers["kpmg"]
    page = page_message(
        incident(), policy.councils["hackney"], kpmg, (kpmg,), PAGED + timedelta(minutes=30)
    )
    assert page.urgent
    assert page.title == "CIR activation: CIR-2026-0042 · London Borough of Hackney"
    assert "Contact the council by 09:30 UTC (09:30 GMT, London)" in page.text
    assert [(b.action, b.value) for b in page.buttons] == [
        (Action.ACKNOWLEDGE_PAGE, "i1"),
        (Action.CONTACT_MADE, "i1"),
    ]
    assert "<!channel>" not in page.text + page.title
    [described] = [f for f in page.facts if f.label == "What happened"]
    assert described.user_text
    assert described.value == "*bold* <!channel> encrypted"
    assert "Also assigned" not in {f.label for f in page.facts}


def test_an_escalation_says_how_late_and_which_level(policy: Policy):
    kpmg = policy.providers["kpmg"]
    deadline_at = PAGED + timedelta(minutes=30)
    message = escalation_message(
        incident(),
        policy.councils["hackney"],
        (kpmg,),
        deadline_at,
        2,
        deadline_at + timedelta(minutes=15),
    )
    assert message.text.startswith("Escalation level 2: KPMG has not recorded contact")
    assert "deadline, 09:30 UTC (09:30 GMT, London), passed 15 minutes ago." in message.text
    assert message.buttons == ()
    at_once = escalation_message(
        incident(), policy.councils["hackney"], (kpmg,), deadline_at, 1, deadline_at
    )
    assert "London), has just passed." in at_once.text


def test_mou_roles_follow_the_rota_before_assignment_and_the_council_is_its_own(policy: Policy):
    ctx = CoreContext(clock=FakeClock(PAGED), policy=policy)
    i = incident()
    # still being assessed: MHCLG has put it to no provider, so no provider is part of it
    assert not is_incident_provider(KPMG_RESPONDER, i, ctx)
    i.state = State.AWAITING_MOU  # MHCLG decided to activate: put to the provider on duty
    assert is_incident_provider(KPMG_RESPONDER, i, ctx)  # on duty on 23 Nov 2026
    assert not is_incident_provider(ACCENTURE_RESPONDER, i, ctx)
    i.provider_ids = ("accenture",)
    assert is_incident_provider(ACCENTURE_RESPONDER, i, ctx)
    # once assigned to the other provider, being on duty reaches it no more
    assert not is_incident_provider(KPMG_RESPONDER, i, ctx)
    assert is_incident_council(COUNCIL_USER, i)
    assert not is_incident_council(replace(COUNCIL_USER, org_id="leeds"), i)
    assert not is_incident_council(replace(COUNCIL_USER, org_kind=OrgKind.PROVIDER), i)


def test_a_follow_up_reminder_that_reached_nobody_is_given_up_after_max_attempts():
    due = Deadline("d1", "i1", DeadlineKind.CONTACT_ESCALATION, PAGED, attempts=1)
    nobody = [{"ok": False}, {"ok": False}]
    with pytest.raises(Undelivered):
        gave_up(due, nobody)
    assert gave_up(due, [{"ok": False}, {"ok": True}]) is False
    assert gave_up(due, []) is False  # nothing configured: retrying cannot help
    assert gave_up(replace(due, attempts=5), nobody) is True
