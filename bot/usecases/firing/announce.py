"""The activation's announcements: the page to each provider and the council's email.

They are deadline rows created, due at once, in the activation's own transaction, so a crash or
a restart between the decision and the sending loses nothing: the next sweep sends them. A page
or an email that did not get through raises `Undelivered`; the transaction rolls back and the
scheduler tries again after its backoff. A page is tried until the contact deadline has passed
(the escalations, by chat, SMS and email, have taken over by then); the email MAX_ATTEMPTS
times. Then the failure is recorded and the firing stops.

A page is only worth sending while the incident still awaits the provider's contact; the email
confirms the activation to the council, which stays true until the incident is withdrawn or
closed.

A provider on Microsoft Teams is paged in its Teams conversation. When that fails (most often:
the CIR app is not yet in its team, which people must fix) the failure is on the timeline at
once and MHCLG is told in its triage channel, rather than only once the page is given up: the
firing commits its `PageDelivered` and adds the next try as a new page row, due after the
backoff (`retry_backoff`), counting the failures in its payload. Being a row, the retry
survives restarts and is claimed once across replicas, like the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.actors import SYSTEM, OrgKind
from bot.domain.bindings import Platform
from bot.domain.deadline_payloads import ActivationEmailDue, ProviderPageDue
from bot.domain.deadlines import Deadline, DeadlineKind, retry_backoff
from bot.domain.events import ActivationEmailSent, PageDelivered
from bot.domain.incident import Incident
from bot.domain.states import State
from bot.domain.uk_time import clock_time
from bot.ports import UnitOfWork
from bot.ports.chat import ChatDelivery, OutboundMessage
from bot.usecases.firing.outcomes import (
    MAX_ATTEMPTS,
    attempt_chat,
    attempt_notify,
    gave_up,
    outcome,
)
from bot.usecases.firing.recipients import TEAMS_NOT_CONFIGURED
from bot.usecases.firing.tell_mhclg import tell_mhclg
from bot.views.page import activation_email, page_message
from bot.views.undelivered import undelivered_on_teams

if TYPE_CHECKING:
    from bot.usecases.firing import FireFn, FiringDeps


def announcements(
    incident_id: str,
    provider_ids: Sequence[str],
    now: datetime,
    deadline_at: datetime,
    new_id: Callable[[], str],
) -> list[Deadline]:
    """The rows `activate_incident` adds, all due now: one page per provider (first), then the
    council's email."""
    pages = [
        Deadline(
            id=new_id(),
            incident_id=incident_id,
            kind=DeadlineKind.PROVIDER_PAGE,
            due_at=now,
            payload=ProviderPageDue(
                provider_id=provider_id, deadline_at=deadline_at.isoformat()
            ).data(),
            created_at=now,
        )
        for provider_id in provider_ids
    ]
    email = Deadline(
        id=new_id(),
        incident_id=incident_id,
        kind=DeadlineKind.ACTIVATION_EMAIL,
        due_at=now,
        payload=ActivationEmailDue(deadline_at=deadline_at.isoformat()).data(),
        created_at=now,
    )
    return [*pages, email]


async def _locked_if(
    deadline: Deadline, uow: UnitOfWork, deps: FiringDeps, wanted: Callable[[Incident], bool]
) -> Incident | None:
    """The incident, locked, if the announcement still matters; otherwise it is cancelled."""
    incident = await uow.incidents.get_for_update(deadline.incident_id)
    if incident is None or not wanted(incident):
        await uow.deadlines.mark_cancelled(deadline, deps.ctx.clock.now())
        return None
    return incident


async def fire_page(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await _locked_if(deadline, uow, deps, lambda i: i.state is State.ACTIVATED)
    if incident is None:
        return
    policy = deps.ctx.policy
    due = ProviderPageDue.of(deadline)
    provider = policy.providers.get(str(due.provider_id))
    if provider is None:  # configuration changed since the activation: nobody to page
        await uow.deadlines.mark_cancelled(deadline, deps.ctx.clock.now())
        return
    deadline_at = datetime.fromisoformat(str(due.deadline_at))
    council = policy.councils.get(incident.council_id)
    assigned = [policy.providers[p] for p in incident.provider_ids if p in policy.providers]
    message = page_message(incident, council, provider, assigned, deadline_at)
    if provider.platform is Platform.TEAMS:
        await _page_on_teams(deadline, incident, deps, provider.id, message, uow)
        return
    page = await attempt_chat(
        deps.chat.to_channel(provider.paging_channel, message), provider.paging_channel
    )
    now = deps.ctx.clock.now()
    sent = [outcome("provider_channel", provider.name, page)]
    given_up = gave_up(deadline, sent, give_up=now >= deadline_at)
    delivered = PageDelivered(
        provider_id=provider.id,
        route=page.route,
        ok=page.ok,
        error=page.error,
        deadline=clock_time(deadline_at),
        attempt=deadline.attempts,
        gave_up=given_up,
    )
    incident.note(delivered, SYSTEM, now)


async def _page_on_teams(
    deadline: Deadline,
    incident: Incident,
    deps: FiringDeps,
    provider_id: str,
    message: OutboundMessage,
    uow: UnitOfWork,
) -> None:
    policy, now = deps.ctx.policy, deps.ctx.clock.now()
    provider, due = policy.providers[provider_id], ProviderPageDue.of(deadline)
    deadline_at = datetime.fromisoformat(str(due.deadline_at))
    teams = deps.chats.on(Platform.TEAMS) if deps.chats is not None else None
    org = f"{OrgKind.PROVIDER.value}:{provider.id}"
    if teams is None:
        page = ChatDelivery(False, "teams", TEAMS_NOT_CONFIGURED, final=True)
    else:
        page = await attempt_chat(teams.to_channel(org, message), f"teams:{org}")
    failures = due.failures or 0
    retry = not page.ok and not page.final and now < deadline_at
    delivered = PageDelivered(
        provider_id=provider.id,
        route=page.route,
        ok=page.ok,
        error=page.error,
        deadline=clock_time(deadline_at),
        attempt=failures + 1,
        gave_up=not page.ok and not retry,
    )
    incident.note(delivered, SYSTEM, now)
    if page.ok:
        return
    if retry:
        again = replace(due, failures=failures + 1, first_due_at=None, cancelled_at=None)
        await uow.deadlines.add(
            Deadline(
                id=deps.ctx.new_id(),
                incident_id=deadline.incident_id,
                kind=DeadlineKind.PROVIDER_PAGE,
                due_at=now + retry_backoff(failures + 1),
                payload=again.data(),
                created_at=now,
            )
        )
    if failures == 0 or not retry:  # told once when it starts failing, once when it stops
        council = policy.councils.get(incident.council_id)
        failed_route = outcome("provider_channel", provider.name, page)
        told = undelivered_on_teams(
            incident, council, f"The page to {provider.name}", [failed_route], retrying=retry
        )
        await tell_mhclg(deps, told)


async def fire_email(deadline: Deadline, uow: UnitOfWork, deps: FiringDeps) -> None:
    incident = await _locked_if(deadline, uow, deps, lambda i: i.is_open)
    if incident is None:
        return
    policy = deps.ctx.policy
    council = policy.councils.get(incident.council_id)
    providers = [policy.providers[p] for p in incident.provider_ids if p in policy.providers]
    deadline_at = datetime.fromisoformat(str(ActivationEmailDue.of(deadline).deadline_at))
    to = incident.referral.contact_email
    subject, body = activation_email(incident, council, providers, deadline_at)
    email = await attempt_notify(
        deps.notifier.send_email(to, subject, body, reference=str(incident.reference)), "email", to
    )
    sent = [outcome("council_contact", to, email)]
    given_up = gave_up(deadline, sent, give_up=deadline.attempts >= MAX_ATTEMPTS)
    emailed = ActivationEmailSent(
        to=email.recipient, ok=email.ok, error=email.error, attempt=deadline.attempts,
        gave_up=given_up,
    )  # fmt: skip
    incident.note(emailed, SYSTEM, deps.ctx.clock.now())


HANDLERS: dict[DeadlineKind, FireFn] = {
    DeadlineKind.PROVIDER_PAGE: fire_page,
    DeadlineKind.ACTIVATION_EMAIL: fire_email,
}
