"""Timelines written before event kinds and payloads were typed still verify and read the same.

`tests/fixtures/timelines_v1/timelines.json` holds fifteen incidents' timelines (every event kind
the bot writes) exactly as the code of the day stored them, captured from the integration tests
it names; the `.md` files beside it are the post-incident reports, and `figures.txt` the monthly
figures, that code produced from them. Typing the events must change neither the stored JSON
(the hash chain still verifies) nor a word of what the readers make of it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.events import EventKind, payload_of
from bot.domain.incident import Incident, Marking, MouStatus, Referral
from bot.domain.reference import Reference
from bot.domain.states import State
from bot.domain.timeline import TimelineEvent, verify
from bot.policy.model import Policy
from bot.reporting.figures import IncidentRecord, monthly_figures
from bot.reporting.markdown import render_markdown
from bot.reporting.model import build_report
from tests.factories import TIMELINE_KEY

FIXTURES = Path(__file__).parent.parent / "fixtures" / "timelines_v1"
STORED: list[dict[str, Any]] = json.loads((FIXTURES / "timelines.json").read_text())["incidents"]


def _events(stored: dict[str, Any]) -> list[TimelineEvent]:
    return [
        TimelineEvent(
            incident_id=e["incident_id"],
            seq=e["seq"],
            kind=e["kind"],
            actor_id=e["actor_id"],
            actor_name=e["actor_name"],
            organisation=e["organisation"],
            at=datetime.fromisoformat(e["at"]),
            data=e["data"],
            prev_hash=e["prev_hash"],
            hash=e["hash"],
        )
        for e in stored["events"]
    ]


def _incident(stored: dict[str, Any]) -> Incident:
    row = stored["incident"]
    year, number = row["reference"].removeprefix("CIR-").split("-")
    return Incident(
        id=row["id"],
        reference=Reference(int(year), int(number)),
        council_id=row["council_id"],
        state=State.parse(row["state"]),
        referral=Referral.from_dict(row["referral"]),
        opened_at=datetime.fromisoformat(row["opened_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        marking=Marking(row["marking"]),
        mou_status=MouStatus(row["mou_status"]),
        mou_override_reason=row["mou_override_reason"],
        recovery_opt_in=row["recovery_opt_in"],
        provider_ids=tuple(row["provider_ids"]),
    )


def _generated_at(stored: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(stored["events"][-1]["at"]) + timedelta(days=1)


def _report_markdown(stored: dict[str, Any], policy: Policy) -> str:
    incident = _incident(stored)
    report = build_report(
        incident,
        policy.councils[incident.council_id],
        _events(stored),
        generated_at=_generated_at(stored),
        questionnaire=policy.questionnaire,
        provider_names={p.id: p.name for p in policy.providers.values()},
    )
    return render_markdown(report)


def _figures(policy: Policy) -> str:
    """Each month the fixture's incidents were opened in, one line each."""
    records = [
        IncidentRecord(_incident(s), policy.councils[s["incident"]["council_id"]], _events(s))
        for s in STORED
    ]
    months = sorted({s["incident"]["opened_at"][:7] for s in STORED})
    return "".join(
        repr(
            monthly_figures(
                date.fromisoformat(f"{month}-01"),
                records,
                now=max(_generated_at(s) for s in STORED),
                questionnaire=policy.questionnaire,
                provider_names={p.id: p.name for p in policy.providers.values()},
            )
        )
        + "\n"
        for month in months
    )


def test_the_fixture_holds_every_kind_the_old_code_wrote() -> None:
    kinds = {e["kind"] for s in STORED for e in s["events"]}
    assert len(kinds) == 44
    assert "ContactRecorded" in kinds
    assert "SlackTeamNotLearnt" in kinds


@pytest.mark.parametrize("stored", STORED, ids=[s["made_by"].split("::")[1] for s in STORED])
def test_an_old_timeline_verifies(stored: dict[str, Any]) -> None:
    events = _events(stored)
    assert verify(TIMELINE_KEY, events) == []
    edited = [*events[:-1], replace(events[-1], data={**events[-1].data, "edited": True})]
    assert [b.seq for b in verify(TIMELINE_KEY, edited)] == [events[-1].seq]  # it can fail


@pytest.mark.parametrize(
    ("n", "stored"), list(enumerate(STORED)), ids=[s["made_by"].split("::")[1] for s in STORED]
)
def test_an_old_timeline_reads_as_the_old_code_read_it(
    n: int, stored: dict[str, Any], policy: Policy
) -> None:
    expected = (FIXTURES / f"report-{n:02d}.md").read_text()
    assert _report_markdown(stored, policy) == expected


@pytest.mark.parametrize("stored", STORED, ids=[s["made_by"].split("::")[1] for s in STORED])
def test_each_old_event_is_its_typed_payload_exactly(stored: dict[str, Any]) -> None:
    """Written again through its payload class, each stored event's data comes out the same,
    key for key and in the same order: the writers now store what the old code stored."""
    for event in _events(stored):
        payload = payload_of(event)
        assert payload is not None, f"{event.kind} is not an EventKind"
        assert payload.kind is EventKind(event.kind)
        assert list(payload.data().items()) == list(event.data.items()), event.kind


def test_the_monthly_figures_of_old_timelines_are_unchanged(policy: Policy) -> None:
    assert _figures(policy) == (FIXTURES / "figures.txt").read_text()
