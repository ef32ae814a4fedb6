"""The world the access matrix runs in: one service per database (module-scoped, so 400 cells
do not each start a server), the people of every kind, and incidents brought to each stage of
the service through the use cases, each cell getting an incident of its own."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import aiohttp
import psycopg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from bot.app.container import build_container
from bot.app.server import RUNTIME, build_web_app
from bot.app.settings import load_settings
from bot.domain.actors import Actor, OrgKind
from bot.domain.bindings import Platform
from bot.domain.clock import FakeClock
from bot.domain.states import State
from bot.reporting.markdown import render_markdown
from bot.usecases.activation import ActivateIncident, activate_incident
from bot.usecases.contact import RecordContact, record_contact
from bot.usecases.context import CoreContext
from bot.usecases.mou import OverrideMou, override_mou
from bot.usecases.phases import ChangePhase, change_phase
from bot.usecases.report_issue import (
    GenerateReport,
    RecordReportGenerated,
    prepare_report,
    record_report_generated,
)
from bot.usecases.threshold import (
    ConfirmActivation,
    RecordDecision,
    StartThresholdCheck,
    SubmitAnswers,
    confirm_activation,
    record_decision,
    start_threshold_check,
    submit_answers,
)
from handlers.report.pdf import render_pdf
from handlers.slack.identity import Identity
from handlers.tasks import BackgroundTasks
from sandbox.slack.api import FakeSlackApi
from tests.factories import TIMELINE_KEY_TEXT
from tests.integration.slack_harness import SECRET, SlackEnv, referral_submission

PG_URL = os.environ.get("TEST_POSTGRES_URL", "")
# A Monday on KPMG's rota; the fake clock never moves on its own.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DETECTED = NOW - timedelta(hours=3)
RANSOMWARE = {
    "status": ["confirmed"],
    "critical_services": ["benefits", "social_care"],
    "scope": ["whole_network"],
    "attack_type": ["ransomware"],
    "personal_data": ["yes"],
    "attacker_active": ["unknown"],
    "backups": ["destroyed"],
    "ncsc_category": ["c3"],
}
REPORT_URL = "https://files.slack.example/report-v1.pdf"


class Persona(StrEnum):
    MHCLG = "mhclg"  # an assessor in MHCLG's CIR team
    MHCLG_OTHER = "mhclg_other"  # a member of MHCLG's workspace outside the CIR team
    GUEST = "guest"  # a guest account in MHCLG's workspace
    COUNCIL = "council"  # the affected council, in its incident's channel
    OTHER_COUNCIL = "other_council"  # another council's user, in this incident's channel
    PROVIDER = "provider"  # the provider the incident is assigned (or put) to: KPMG
    OTHER_PROVIDER = "other_provider"  # Accenture
    UNKNOWN_TEAM = "unknown_team"  # a workspace the config does not know
    UNCONFIRMED = "unconfirmed"  # an assessor, but Slack's users.info is failing


@dataclass(frozen=True)
class Person:
    user: str
    team: str


PEOPLE = {
    Persona.MHCLG: Person("U0ASSESSOR2", "T0MHCLG"),
    Persona.MHCLG_OTHER: Person("U0INTERN", "T0MHCLG"),
    Persona.GUEST: Person("U0GUEST", "T0MHCLG"),
    Persona.COUNCIL: Person("U0HK1", "T0HACKNEY"),
    Persona.OTHER_COUNCIL: Person("U0LD1", "T0LEEDS"),
    Persona.PROVIDER: Person("U0KPMG1", "T0KPMG"),
    Persona.OTHER_PROVIDER: Person("U0ACC1", "T0ACCENTURE"),
    Persona.UNKNOWN_TEAM: Person("U0NOBODY", "T0ELSEWHERE"),
    Persona.UNCONFIRMED: Person("U0ASSESSOR1", "T0MHCLG"),
}
ASSESSOR = Actor("slack:T0MHCLG:U0ASSESSOR1", "Ada Assessor", OrgKind.MHCLG, "mhclg")
ASSESSOR_2 = Actor("slack:T0MHCLG:U0ASSESSOR2", "Bea Assessor", OrgKind.MHCLG, "mhclg")
KPMG = Actor("slack:T0KPMG:U0KPMG1", "Kim Responder", OrgKind.PROVIDER, "kpmg")


class Stage(StrEnum):
    """How far along the service an entry point's incident must be."""

    REFERRAL = "referral"
    MONITORING = "monitoring"  # decided below the threshold (a branch: no later stage follows)
    THRESHOLD = "threshold"  # assessed, no decision yet
    PROPOSED = "proposed"  # activation proposed, awaiting the second assessor (four eyes)
    AWAITING_MOU = "awaiting_mou"
    MOU_OVERRIDDEN = "mou_overridden"
    ACTIVATED = "activated"
    CONTAINMENT = "containment"
    CLOSED = "closed"
    REPORTED = "reported"


@dataclass(frozen=True)
class Target:
    incident_id: str
    reference: str
    channel: str
    assessment_id: str = ""


def _add_people(slack: FakeSlackApi) -> None:
    names = {
        Persona.MHCLG: "Bea Assessor",
        Persona.MHCLG_OTHER: "Ian Intern",
        Persona.GUEST: "Gus Guest",
        Persona.COUNCIL: "Hana Council",
        Persona.OTHER_COUNCIL: "Lee Leeds",
        Persona.PROVIDER: "Kim Responder",
        Persona.OTHER_PROVIDER: "Alex Accenture",
        Persona.UNKNOWN_TEAM: "Nia Nobody",
        Persona.UNCONFIRMED: "Ada Assessor",
    }
    for persona, person in PEOPLE.items():
        slack.add_user(person.user, person.team, names[persona], guest=persona is Persona.GUEST)


def _database(kind: str, tmp: Any) -> tuple[str, str]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'matrix.db'}", ""
    if not PG_URL:
        pytest.skip("no PostgreSQL (set TEST_POSTGRES_URL, or run scripts/test)")
    name = f"cir_matrix_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_URL.rpartition('/')[0]}/{name}", name


def _drop(name: str) -> None:
    if name:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["sqlite", "postgres"])
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SlackEnv]:
    url, pg_name = _database(request.param, tmp_path_factory.mktemp("matrix"))
    async with FakeSlackApi() as slack:
        _add_people(slack)
        settings = load_settings(
            {
                "DATABASE_URL": url,
                "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,  # required on PostgreSQL
                "SLACK_BOT_TOKEN": "xoxb-test-token",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.base_url,
            }
        )
        clock = FakeClock(NOW)
        container = build_container(settings, clock=clock)
        policy = container.ctx.policy
        councils = {
            **policy.councils,
            "hackney": replace(policy.councils["hackney"], slack_team_id="T0HACKNEY"),
            "leeds": replace(policy.councils["leeds"], slack_team_id="T0LEEDS"),
        }
        policy = replace(policy, councils=councils, mhclg=replace(policy.mhclg, four_eyes=True))
        container.ctx = CoreContext(clock=clock, policy=policy)
        tasks = BackgroundTasks()
        web_app = build_web_app(container, tasks, start_scheduler=False)
        server = TestServer(web_app)
        await server.start_server()
        async with aiohttp.ClientSession() as session:
            yield SlackEnv(slack, container, server, session, tasks, clock, web_app[RUNTIME])
        await server.close()
    _drop(pg_name)


def fresh_identity(env: SlackEnv) -> None:
    """A cold cache for every cell, so one cell's lookups never answer for the next."""
    deps = env.container.slack
    assert deps is not None
    deps.identity = Identity(deps.client, env.container.ctx.policy, clock=env.clock)


async def at_stage(env: SlackEnv, stage: Stage) -> Target:
    """A new incident, logged through Slack (so it has its channel), then moved along by the use
    cases as MHCLG's assessors and KPMG would."""
    detected = {"type": "datetimepicker", "selected_date_time": int(DETECTED.timestamp())}
    await env.send(referral_submission(user="U0ASSESSOR1", detected_at=detected))
    ctx, uows = env.container.ctx, env.container.uow
    async with uows() as uow:
        incident = max(await uow.incidents.list_open(), key=lambda i: i.reference.number)
        binding = await uow.channels.for_incident(incident.id, Platform.SLACK)
    assert binding is not None
    key, ref = incident.id, str(incident.reference)
    if stage is Stage.MONITORING:
        await start_threshold_check(StartThresholdCheck(ASSESSOR, key), uows(), ctx)
        assessed, _ = await submit_answers(SubmitAnswers(ASSESSOR, key, RANSOMWARE), uows(), ctx)
        decision = RecordDecision(ASSESSOR, assessed.id, "monitor", "Below C3 for now.")
        await record_decision(decision, uows(), ctx)
        await env.tasks.drain(within=15)
        return Target(key, ref, binding.channel_id, assessed.id)
    done = [s for s in list(Stage)[: list(Stage).index(stage) + 1] if s is not Stage.MONITORING]
    assessment = ""
    if Stage.THRESHOLD in done:
        await start_threshold_check(StartThresholdCheck(ASSESSOR, key), uows(), ctx)
        assessed, _ = await submit_answers(SubmitAnswers(ASSESSOR, key, RANSOMWARE), uows(), ctx)
        assessment = assessed.id
    if Stage.PROPOSED in done:
        decision = RecordDecision(ASSESSOR, assessment, "activate", "C3; benefits down.")
        await record_decision(decision, uows(), ctx)
    if Stage.AWAITING_MOU in done:
        await confirm_activation(ConfirmActivation(ASSESSOR_2, assessment), uows(), ctx)
    if Stage.MOU_OVERRIDDEN in done:
        await override_mou(OverrideMou(ASSESSOR, key, "Mail down; MoU by phone."), uows(), ctx)
    if Stage.ACTIVATED in done:
        await activate_incident(ActivateIncident(ASSESSOR, key, "kpmg"), uows(), ctx)
    if Stage.CONTAINMENT in done:
        await record_contact(RecordContact(KPMG, key, env.clock.now(), "phone"), uows(), ctx)
    if Stage.CLOSED in done:
        for target in (State.ERADICATION, State.CLOSED):
            cmd = ChangePhase(ASSESSOR, key, target, "Done.")
            await change_phase(cmd, uows(), ctx, ctx.policy.followups)
    if Stage.REPORTED in done:
        # generated as the Slack edge does it: a share sends the very bytes recorded
        draft = await prepare_report(GenerateReport(ASSESSOR, key), uows(), ctx)
        pdf, markdown = render_pdf(draft.report), render_markdown(draft.report).encode()
        generated = RecordReportGenerated.of(ASSESSOR, draft, pdf, markdown, REPORT_URL)
        await record_report_generated(generated, uows(), ctx)
    await env.tasks.drain(within=15)
    return Target(key, ref, binding.channel_id, assessment)


async def record_of(env: SlackEnv, incident_id: str) -> dict[str, Any]:
    """Everything a refused attempt must leave as it was."""
    async with env.container.uow() as uow:
        incident = await uow.incidents.get(incident_id)
        assert incident is not None
        events = await uow.timeline.for_incident(incident_id)
        checklist = await uow.checklist.for_incident(incident_id)
        engagements = await uow.engagements.for_incident(incident_id)
        lessons = await uow.lessons.submissions(incident_id)
        deadlines = await uow.deadlines.pending_for(incident_id)
        incidents = len(await uow.incidents.list_open())
    return {
        "incident": (
            incident.state,
            incident.mou_status,
            incident.mou_override_reason,
            incident.recovery_opt_in,
            incident.provider_ids,
        ),
        "events": [(e.kind, json.dumps(e.data, sort_keys=True)) for e in events],
        "checklist": sorted((i.item.value, i.status.value, i.reference) for i in checklist),
        "engagements": [(e.provider_id, e.acknowledged_at, e.contact_at) for e in engagements],
        "lessons": [s.organisation for s in lessons],
        "deadlines": sorted(d.id for d in deadlines),
        "incidents": incidents,
    }
