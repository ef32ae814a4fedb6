"""Status updates: what changed, the current impact and the next steps, posted by the provider
(or MHCLG) to the incident channel and the triage thread. Silence is noticed: when no update has
come within the configured cadence the bot prompts the provider, and every update restarts that
clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.actors import Actor
from bot.domain.deadline_payloads import UpdatePromptDue
from bot.domain.deadlines import Deadline, DeadlineKind
from bot.domain.errors import DomainError
from bot.domain.events import StatusUpdatePosted
from bot.domain.incident import Incident
from bot.domain.states import ACTIVE_RESPONSE_STATES
from bot.policy.followups import Followups
from bot.ports import UnitOfWork
from bot.ports.chat import OutboundMessage
from bot.usecases.authz import Act, Who, authorised
from bot.usecases.checklist import start_ico_reminders
from bot.usecases.context import CoreContext
from bot.usecases.validation import FieldErrors
from bot.views.card import Fact

RESPONDERS_ONLY = "Only the incident's provider or MHCLG can post status updates."


async def schedule_update_prompt(
    incident: Incident, uow: UnitOfWork, ctx: CoreContext, followups: Followups
) -> Deadline:
    """Replace any pending prompt with one a full cadence from now (inside the caller's
    transaction), so there is only ever one "update due" on the card."""
    now = ctx.clock.now()
    await uow.deadlines.cancel_pending(incident.id, [DeadlineKind.UPDATE_PROMPT])
    deadline = Deadline(
        id=ctx.new_id(),
        incident_id=incident.id,
        kind=DeadlineKind.UPDATE_PROMPT,
        due_at=now + followups.update_cadence,
        payload=UpdatePromptDue(
            cadence_seconds=int(followups.update_cadence.total_seconds())
        ).data(),
        created_at=now,
    )
    await uow.deadlines.add(deadline)
    return deadline


async def start_response_followups(
    incident: Incident, uow: UnitOfWork, ctx: CoreContext, followups: Followups
) -> Deadline:
    """Call when contact is made (inside that transaction): the update cadence starts then."""
    return await schedule_update_prompt(incident, uow, ctx, followups)


@dataclass(frozen=True)
class PostStatusUpdate:
    actor: Actor
    incident: str  # id or CIR reference
    what_changed: str
    impact: str
    next_steps: str
    idempotency_key: str = ""  # the form's nonce: a retried submission posts nothing twice
    # The update says personal data is involved: the marking is raised and the ICO reminders
    # start from the detection time, as if the referral had said so.
    personal_data: bool = False


@dataclass
class StatusUpdateResult:
    """What the edge must post: `message` in the incident channel, and in the triage channel's
    thread for this incident."""

    incident: Incident
    message: OutboundMessage
    triage_channel: str
    posted_at: datetime
    next_prompt: Deadline
    ico_reminders: list[Deadline] = field(default_factory=list)
    posted: StatusUpdatePosted | None = None  # what the timeline says (mirrored elsewhere)


def update_message(
    incident: Incident,
    actor: Actor,
    what_changed: str,
    impact: str,
    next_steps: str,
    personal_data: bool = False,
) -> OutboundMessage:
    facts = [
        Fact("From", f"{actor.name} ({actor.organisation})", user_text=True),
        Fact("What changed", what_changed, user_text=True),
        Fact("Current impact", impact, user_text=True),
        Fact("Next steps", next_steps, user_text=True),
    ]
    if personal_data:
        facts.append(
            Fact("Personal data", "involved: the ICO must be told within 72 hours of awareness")
        )
    return OutboundMessage(
        title=f"Status update: {incident.reference}",
        text=f"Status update on {incident.reference} ({incident.state.label}).",
        marking=incident.marking.value,
        facts=tuple(facts),
    )


async def post_status_update(
    cmd: PostStatusUpdate, uow: UnitOfWork, ctx: CoreContext, followups: Followups
) -> StatusUpdateResult:
    key = f"status_update:{cmd.idempotency_key}" if cmd.idempotency_key else ""
    async with uow:
        incident = await authorised(
            uow,
            ctx,
            cmd.actor,
            cmd.incident,
            Act.POST_STATUS_UPDATE,
            Who.RESPONDER,
            RESPONDERS_ONLY,
        )
        if key and (seen := await uow.requests.get(key)):
            raise DomainError(
                f"This status update on {incident.reference} was already posted at "
                f"{seen['posted_at']}; nothing was posted twice."
            )
        if incident.state not in ACTIVE_RESPONSE_STATES:
            raise DomainError(
                f"{incident.reference} is {incident.state.label.lower()}: status updates are "
                "posted while the response is active."
            )
        errors = FieldErrors()
        what_changed = errors.text("what_changed", cmd.what_changed, label="What changed")
        impact = errors.text("impact", cmd.impact, label="Current impact")
        next_steps = errors.text("next_steps", cmd.next_steps, label="Next steps")
        errors.raise_if_any()
        now = ctx.clock.now()
        posted = StatusUpdatePosted(what_changed=what_changed, impact=impact, next_steps=next_steps)
        incident.note(posted, cmd.actor, now)
        next_prompt = await schedule_update_prompt(incident, uow, ctx, followups)
        ico: list[Deadline] = []
        if cmd.personal_data and incident.learn_personal_data("status_update", cmd.actor, now):
            ico = await start_ico_reminders(incident, uow, ctx, followups)
        if key:
            await uow.requests.remember(key, now, {"posted_at": now.isoformat()})
        await uow.commit()
    return StatusUpdateResult(
        incident=incident,
        message=update_message(
            incident, cmd.actor, what_changed, impact, next_steps, cmd.personal_data
        ),
        triage_channel=ctx.policy.mhclg.triage_channel,
        posted_at=now,
        next_prompt=next_prompt,
        ico_reminders=ico,
        posted=posted,
    )
