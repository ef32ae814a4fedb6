"""The whole service with Slack mounted, driven through real signed HTTP requests, its Web API
client pointed at the local stand-in."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app.container import Container, build_container
from bot.app.server import RUNTIME, build_web_app
from bot.app.settings import load_settings
from bot.app.wiring import Runtime
from bot.domain.clock import FakeClock
from bot.domain.incident import Incident
from bot.domain.timeline import TimelineEvent
from bot.policy.model import Policy
from handlers.slack.ids import ReferralInput
from handlers.tasks import BackgroundTasks
from sandbox.notify.api import FakeNotifyApi
from sandbox.slack import signed_requests as sr
from sandbox.slack.api import FakeSlackApi
from tests.factories import TIMELINE_KEY_TEXT

SECRET = "test-signing-secret"
ASSESSOR, ASSESSOR_2, INTERN = "U0ASSESSOR1", "U0ASSESSOR2", "U0INTERN"
TRIAGE = "C0TRIAGE"  # config/mhclg.yml triage_channel


@dataclass
class SlackEnv:
    slack: FakeSlackApi
    container: Container
    server: TestServer
    session: aiohttp.ClientSession
    tasks: BackgroundTasks
    clock: FakeClock
    runtime: Runtime
    # A test that makes Slack refuse the bot on purpose (a removed channel, say) sets this;
    # otherwise every call the bot made must have been accepted.
    refusals_expected: bool = False

    async def fire_due(self, **advance: float) -> int:
        """Move the fake clock on and fire what is due, as the scheduler's sweep would."""
        if advance:
            self.clock.advance(timedelta(**advance))
        fired = await self.runtime.scheduler.fire_due()
        await self.tasks.drain(within=15)
        return fired

    @property
    def url(self) -> str:
        return str(self.server.make_url("/slack/events"))

    async def send(self, body: str, **kwargs: Any) -> tuple[int, str]:
        status, text = await sr.post(self.session, self.url, body, SECRET, **kwargs)
        await self.tasks.drain(within=15)
        return status, text

    async def incidents(self) -> list[Incident]:
        async with self.container.uow() as uow:
            return list(await uow.incidents.list_open())

    async def only_incident(self) -> Incident:
        [incident] = await self.incidents()
        return incident

    async def timeline(self, incident_id: str) -> list[TimelineEvent]:
        async with self.container.uow() as uow:
            return list(await uow.timeline.for_incident(incident_id))

    def texts(self, channel: str | None = None) -> list[str]:
        from sandbox.slack.api import message_text

        return [message_text(m) for m in self.slack.messages(channel)]


def referral_values(**override: Any) -> dict[str, dict[str, dict[str, Any]]]:
    fields: dict[ReferralInput, Any] = {
        ReferralInput.COUNCIL: {"type": "external_select", "selected_option": {"value": "hackney"}},
        ReferralInput.NCSC_REFERENCE: {"type": "plain_text_input", "value": "NCSC-2026-123"},
        ReferralInput.DESCRIPTION: {
            "type": "plain_text_input",
            "value": "Ransomware on file servers.",
        },
        ReferralInput.DETECTED_AT: {
            "type": "datetimepicker",
            "selected_date_time": int((datetime.now(UTC) - timedelta(hours=3)).timestamp()),
        },
        ReferralInput.SERVICES: {"type": "plain_text_input", "value": "Benefits and payments"},
        ReferralInput.ATTACKER_ACTIVE: {
            "type": "radio_buttons",
            "selected_option": {"value": "unknown"},
        },
        ReferralInput.PERSONAL_DATA: {"type": "radio_buttons", "selected_option": {"value": "yes"}},
        ReferralInput.CONTACT_NAME: {"type": "plain_text_input", "value": "Hana Council"},
        ReferralInput.CONTACT_EMAIL: {"type": "plain_text_input", "value": "hana@hackney.example"},
        ReferralInput.CONTACT_PHONE: {"type": "plain_text_input", "value": "07700 900555"},
        ReferralInput.BODIES_TOLD: {"type": "checkboxes", "selected_options": [{"value": "ncsc"}]},
    }
    for key, value in override.items():
        fields[ReferralInput(key)] = value
    return {block.value: {"value": element} for block, element in fields.items()}


def referral_submission(
    nonce: str | None = None, user: str = ASSESSOR, team: str = "T0MHCLG", **override: Any
) -> str:
    meta = json.dumps({"nonce": nonce or uuid.uuid4().hex, "origin": TRIAGE})
    return sr.view_submission(
        "referral_form",
        referral_values(**override),
        user_id=user,
        team_id=team,
        private_metadata=meta,
    )


@pytest.fixture
def four_eyes() -> bool:
    return False


@pytest.fixture
def notify_api() -> FakeNotifyApi | None:
    """No GOV.UK Notify by default; a test module that checks emails and texts overrides this
    fixture with a started FakeNotifyApi, and the service is configured to use it."""
    return None


def notify_settings(api: FakeNotifyApi | None) -> dict[str, str]:
    if api is None:
        return {}
    return {
        "NOTIFY_API_KEY": api.api_key,
        "NOTIFY_BASE_URL": api.base_url,
        "NOTIFY_EMAIL_TEMPLATE_ID": api.email_template_id,
        "NOTIFY_SMS_TEMPLATE_ID": api.sms_template_id,
        "NOTIFY_FILE_TEMPLATE_ID": api.file_template_id,
    }


@pytest.fixture
def policy_edit() -> Callable[[Policy], Policy]:
    """A change to the shipped policy before the service is built (a module with a council on
    Teams overrides this)."""
    return lambda policy: policy


@pytest.fixture
def service_env() -> dict[str, str]:
    """More settings for the service (a module rehearsing an exercise sets CIR_EXERCISE)."""
    return {}


@pytest.fixture
async def slack_env(
    database_url: str,
    four_eyes: bool,
    notify_api: FakeNotifyApi | None,
    service_env: dict[str, str],
    policy_edit: Callable[[Policy], Policy],
) -> AsyncIterator[SlackEnv]:
    async with FakeSlackApi() as slack:
        # The triage channel exists and the bot was invited to it when it was installed.
        slack.add_channel(TRIAGE, "cir-triage")
        slack.add_user(ASSESSOR, "T0MHCLG", "Ada Assessor", "ada@mhclg.example")
        slack.add_user(ASSESSOR_2, "T0MHCLG", "Bea Assessor", "bea@mhclg.example")
        slack.add_user(INTERN, "T0MHCLG", "Ian Intern", "ian@mhclg.example")
        slack.add_user("U0KPMG1", "T0KPMG", "Kim Responder", "kim@kpmg.example")
        settings = load_settings(
            {
                "DATABASE_URL": database_url,
                "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT,
                "SLACK_BOT_TOKEN": "xoxb-test-token",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.base_url,
                **notify_settings(notify_api),
                **service_env,
            }
        )
        clock = FakeClock(datetime.now(UTC))
        container = build_container(settings, clock=clock)
        policy = container.ctx.policy
        if four_eyes:
            policy = replace(policy, mhclg=replace(policy.mhclg, four_eyes=True))
        policy = policy_edit(policy)
        container.ctx = replace(container.ctx, clock=clock, policy=policy)
        for provider in policy.providers.values():  # each provider's paging channel, bot invited
            if provider.paging_channel:  # a provider on Teams has none
                slack.add_channel(provider.paging_channel, f"{provider.id}-paging")
        tasks = BackgroundTasks()
        # The scheduler runs only when a test starts it; its sweep is then an hour away, so
        # what fires does so because it was woken or fired at once.
        web_app = build_web_app(container, tasks, start_scheduler=False, sweep_seconds=3600)
        server = TestServer(web_app)
        await server.start_server()
        async with aiohttp.ClientSession() as session:
            env = SlackEnv(slack, container, server, session, tasks, clock, web_app[RUNTIME])
            yield env
        await server.close()
        # A lookup answered "no such user" is an answer about a stranger, not a payload Slack
        # refused: the bot asks users.info about everyone who writes to it.
        refused = [
            f"{call.method}: {answer}"
            for call, answer in slack.refusals
            if not (call.method == "users.info" and answer.get("error") == "user_not_found")
        ]
        assert env.refusals_expected or not refused, "Slack refused the bot:\n" + "\n".join(refused)
