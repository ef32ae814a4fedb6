"""Form submissions. Validation and storage happen before the acknowledgement (so errors show
inline in the form and nothing is lost); channel work and posting happen after it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.domain.actors import Actor
from bot.usecases.referral import OpenReferral, open_referral_once
from bot.usecases.threshold import RecordDecision, SubmitAnswers, record_decision, submit_answers
from bot.views.actions import Form
from handlers.slack.context import SlackDeps
from handlers.slack.ids import DecisionInput, ReferralInput
from handlers.slack.listeners import flows
from handlers.slack.parse import text_of, value_of
from handlers.slack.render.threshold import decision_modal
from handlers.slack.submission import Inline, meta_of, submission


def _referral(actor: Actor, state: dict[str, Any], nonce: str) -> OpenReferral:
    personal = value_of(state, ReferralInput.PERSONAL_DATA)
    return OpenReferral(
        actor=actor,
        council_id=value_of(state, ReferralInput.COUNCIL) or "",
        description=text_of(state, ReferralInput.DESCRIPTION),
        detected_at=value_of(state, ReferralInput.DETECTED_AT),
        services_affected=text_of(state, ReferralInput.SERVICES),
        attacker_active=value_of(state, ReferralInput.ATTACKER_ACTIVE) or "",
        contact_name=text_of(state, ReferralInput.CONTACT_NAME),
        contact_email=text_of(state, ReferralInput.CONTACT_EMAIL),
        contact_phone=text_of(state, ReferralInput.CONTACT_PHONE),
        ncsc_reference=text_of(state, ReferralInput.NCSC_REFERENCE),
        bodies_told=tuple(value_of(state, ReferralInput.BODIES_TOLD) or ()),
        personal_data_involved=personal in {"yes", "unknown"},
        idempotency_key=nonce,
    )


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.view(Form.REFERRAL.value)
    @submission(
        deps, Inline(ReferralInput.COUNCIL, ReferralInput, invalid_at=ReferralInput.DESCRIPTION)
    )
    async def referral_submitted(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        meta = meta_of(view)
        cmd = _referral(actor, view["state"], meta.get("nonce", ""))
        incident, created = await open_referral_once(cmd, deps.uow(), deps.ctx)
        await ack()
        if created:
            origin = meta.get("origin", "")
            opening = deps.room.open(
                incident.id, reporter=body["user"]["id"], origin_channel=origin
            )
            deps.tasks.spawn(opening)

    questionnaire = deps.ctx.policy.questionnaire
    first = questionnaire.questions[0].id

    @app.view(Form.QUESTIONNAIRE.value)
    @submission(deps, Inline(first, (q.id for q in questionnaire.questions)))
    async def answers_submitted(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        incident_id = meta_of(view).get("incident_id", "")
        answers = {
            q.id: value
            for q in questionnaire.questions
            if (value := value_of(view["state"], q.id)) not in (None, [], "")
        }
        cmd = SubmitAnswers(actor, incident_id, answers)
        assessment, rec = await submit_answers(cmd, deps.uow(), deps.ctx)
        incident_ref = str(await _reference(deps, incident_id))
        view_out = decision_modal(assessment.id, incident_ref, rec, deps.ctx.policy.mhclg.four_eyes)
        await ack(response_action="update", view=view_out)
        # the answers may have raised the marking (personal data): the cards and topic show it
        deps.tasks.spawn(deps.room.refresh(incident_id))

    @app.view(Form.DECISION.value)
    @submission(
        deps, Inline(DecisionInput.DECISION, DecisionInput, invalid_at=DecisionInput.RATIONALE)
    )
    async def decision_submitted(
        ack: AsyncAck, actor: Actor, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        assessment_id = meta_of(view).get("assessment_id", "")
        state = view["state"]
        cmd = RecordDecision(
            actor=actor,
            assessment_id=assessment_id,
            decision=value_of(state, DecisionInput.DECISION) or "",
            rationale=text_of(state, DecisionInput.RATIONALE),
            missing_info=text_of(state, DecisionInput.MISSING),
        )
        result = await record_decision(cmd, deps.uow(), deps.ctx)
        await ack()
        deps.tasks.spawn(flows.after_decision(deps, result, actor.name))


async def _reference(deps: SlackDeps, incident_id: str) -> str:
    async with deps.uow() as uow:
        incident = await uow.incidents.get(incident_id)
        return str(incident.reference) if incident else incident_id
