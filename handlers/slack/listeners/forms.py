"""Form submissions. Validation and storage happen before the acknowledgement (so errors show
inline in the form and nothing is lost); channel work and posting happen after it."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.domain.errors import DomainError, InvalidInput
from bot.usecases.referral import OpenReferral, open_referral_once
from bot.usecases.threshold import RecordDecision, SubmitAnswers, record_decision, submit_answers
from bot.views.actions import Form
from handlers.slack.context import SlackDeps
from handlers.slack.ids import DecisionInput, ReferralInput
from handlers.slack.listeners import flows
from handlers.slack.parse import text_of, value_of
from handlers.slack.render.threshold import decision_modal


def _errors(exc: InvalidInput, known: set[str], fallback: str) -> dict[str, str]:
    errors = {k: v for k, v in exc.field_errors.items() if k in known}
    return errors or {fallback: str(exc)}


def _referral(actor: Any, state: dict[str, Any], nonce: str) -> OpenReferral:
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
    async def referral_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]
        meta = json.loads(view.get("private_metadata") or "{}")
        try:
            actor = await deps.identity.actor(user["id"], user.get("team_id", ""))
            cmd = _referral(actor, view["state"], meta.get("nonce", ""))
            incident, created = await open_referral_once(cmd, deps.uow(), deps.ctx)
        except InvalidInput as exc:
            known = {i.value for i in ReferralInput}
            await ack(
                response_action="errors", errors=_errors(exc, known, ReferralInput.DESCRIPTION)
            )
            return
        except DomainError as exc:
            await ack(response_action="errors", errors={ReferralInput.COUNCIL.value: str(exc)})
            return
        await ack()
        if created:
            deps.tasks.spawn(
                deps.room.open(
                    incident.id, reporter=user["id"], origin_channel=meta.get("origin", "")
                )
            )

    @app.view(Form.QUESTIONNAIRE.value)
    async def answers_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]
        incident_id = json.loads(view.get("private_metadata") or "{}").get("incident_id", "")
        questionnaire = deps.ctx.policy.questionnaire
        answers = {
            q.id: value
            for q in questionnaire.questions
            if (value := value_of(view["state"], q.id)) not in (None, [], "")
        }
        first = questionnaire.questions[0].id
        try:
            actor = await deps.identity.actor(user["id"], user.get("team_id", ""))
            assessment, rec = await submit_answers(
                SubmitAnswers(actor, incident_id, answers), deps.uow(), deps.ctx
            )
        except InvalidInput as exc:
            known = {q.id for q in questionnaire.questions}
            await ack(response_action="errors", errors=_errors(exc, known, first))
            return
        except DomainError as exc:
            await ack(response_action="errors", errors={first: str(exc)})
            return
        incident_ref = str(await _reference(deps, incident_id))
        view_out = decision_modal(assessment.id, incident_ref, rec, deps.ctx.policy.mhclg.four_eyes)
        await ack(response_action="update", view=view_out)

    @app.view(Form.DECISION.value)
    async def decision_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]
        assessment_id = json.loads(view.get("private_metadata") or "{}").get("assessment_id", "")
        state = view["state"]
        try:
            actor = await deps.identity.actor(user["id"], user.get("team_id", ""))
            cmd = RecordDecision(
                actor=actor,
                assessment_id=assessment_id,
                decision=value_of(state, DecisionInput.DECISION) or "",
                rationale=text_of(state, DecisionInput.RATIONALE),
                missing_info=text_of(state, DecisionInput.MISSING),
            )
            result = await record_decision(cmd, deps.uow(), deps.ctx)
        except InvalidInput as exc:
            known = {i.value for i in DecisionInput}
            await ack(response_action="errors", errors=_errors(exc, known, DecisionInput.RATIONALE))
            return
        except DomainError as exc:
            await ack(response_action="errors", errors={DecisionInput.DECISION.value: str(exc)})
            return
        await ack()
        deps.tasks.spawn(flows.after_decision(deps, result, actor.name))


async def _reference(deps: SlackDeps, incident_id: str) -> str:
    async with deps.uow() as uow:
        incident = await uow.incidents.get(incident_id)
        return str(incident.reference) if incident else incident_id
