"""The Incident aggregate: the one place that decides whether a change to an incident is allowed.

Every accepted change appends a `NewEvent` to `pending_events`; the unit of work chains them into
the timeline in the same transaction as the state change, so the record and the state never
disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.actors import Actor
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.events import (
    MarkingRaised,
    MouOverridden,
    MouStatusRecorded,
    Payload,
    PersonalDataInvolved,
    RecoveryOptInRecorded,
    ReferralReceived,
    StateChanged,
)
from bot.domain.reference import Reference
from bot.domain.states import OPEN_STATES, State, check_transition
from bot.domain.timeline import NewEvent


class Marking(StrEnum):
    OFFICIAL = "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"

    @property
    def rank(self) -> int:
        """Higher is more protective: a marking is only ever raised."""
        return list(Marking).index(self)


class MouStatus(StrEnum):
    NOT_SENT = "not_sent"
    SENT = "sent"
    SIGNED = "signed"


class AttackerActive(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Referral:
    """What a council (or the NCSC on its behalf) told MHCLG; contacts are out-of-band on purpose,
    because the council's own mail and chat may be in the attacker's hands."""

    council_id: str
    description: str
    detected_at: datetime
    services_affected: str
    attacker_active: AttackerActive
    contact_name: str
    contact_email: str
    contact_phone: str
    ncsc_reference: str = ""
    bodies_told: tuple[str, ...] = ()
    personal_data_involved: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "council_id": self.council_id,
            "description": self.description,
            "detected_at": self.detected_at.isoformat(),
            "services_affected": self.services_affected,
            "attacker_active": self.attacker_active.value,
            "contact_name": self.contact_name,
            "contact_email": self.contact_email,
            "contact_phone": self.contact_phone,
            "ncsc_reference": self.ncsc_reference,
            "bodies_told": list(self.bodies_told),
            "personal_data_involved": self.personal_data_involved,
        }

    def received(self, reference: Reference) -> ReferralReceived:
        """The referral as the timeline records it when the incident is opened."""
        return ReferralReceived(
            reference=str(reference),
            council_id=self.council_id,
            description=self.description,
            detected_at=self.detected_at.isoformat(),
            services_affected=self.services_affected,
            attacker_active=self.attacker_active.value,
            contact_name=self.contact_name,
            contact_email=self.contact_email,
            contact_phone=self.contact_phone,
            ncsc_reference=self.ncsc_reference,
            bodies_told=self.bodies_told,
            personal_data_involved=self.personal_data_involved,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Referral:
        return cls(
            council_id=data["council_id"],
            description=data["description"],
            detected_at=datetime.fromisoformat(data["detected_at"]),
            services_affected=data["services_affected"],
            attacker_active=AttackerActive(data["attacker_active"]),
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            ncsc_reference=data.get("ncsc_reference", ""),
            bodies_told=tuple(data.get("bodies_told", ())),
            personal_data_involved=bool(data.get("personal_data_involved", False)),
        )


@dataclass
class Incident:
    id: str
    reference: Reference
    council_id: str
    state: State
    referral: Referral
    opened_at: datetime
    updated_at: datetime
    marking: Marking = Marking.OFFICIAL
    mou_status: MouStatus = MouStatus.NOT_SENT
    mou_override_reason: str = ""
    recovery_opt_in: bool = False
    provider_ids: tuple[str, ...] = ()
    version: int = 0
    pending_events: list[NewEvent] = field(default_factory=list, repr=False)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def open(
        cls, incident_id: str, reference: Reference, referral: Referral, actor: Actor, now: datetime
    ) -> Incident:
        marking = (
            Marking.OFFICIAL_SENSITIVE if referral.personal_data_involved else Marking.OFFICIAL
        )
        incident = cls(
            id=incident_id,
            reference=reference,
            council_id=referral.council_id,
            state=State.REFERRAL_RECEIVED,
            referral=referral,
            opened_at=now,
            updated_at=now,
            marking=marking,
        )
        incident._record(referral.received(reference), actor, now)
        return incident

    # -- behaviour ----------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def move_to(
        self,
        target: State,
        actor: Actor,
        now: datetime,
        *,
        ending: str | None = None,
        reason: str | None = None,
        recipient: str | None = None,
        summary: str | None = None,
        choice: str | None = None,
    ) -> None:
        """Change state through the transition table, after the guards the service demands.
        The keywords are what the timeline says about the change (see `StateChanged`)."""
        check_transition(self.state, target)
        if target is State.ACTIVATED and not self.mou_satisfied:
            raise DomainError(
                f"{self.reference} cannot be activated: the council has not signed the "
                "Memorandum of Understanding and no assessor has recorded an override."
            )
        if target is State.RECOVERY and not self.recovery_opt_in:
            raise DomainError(
                f"{self.reference} cannot enter recovery: recovery is council-funded and the "
                "council has not opted in. Record the council's opt-in first, or close."
            )
        previous = self.state
        self.state = target
        changed = StateChanged(
            from_state=previous.value,
            to_state=target.value,
            ending=ending,
            reason=reason,
            recipient=recipient,
            summary=summary,
            choice=choice,
        )
        self._record(changed, actor, now)

    @property
    def mou_satisfied(self) -> bool:
        return self.mou_status is MouStatus.SIGNED or bool(self.mou_override_reason)

    def record_mou(self, status: MouStatus, actor: Actor, now: datetime) -> None:
        self._require_open()
        if status == self.mou_status:
            raise DomainError(
                f"The MoU for {self.reference} is already recorded as {status.value}."
            )
        self.mou_status = status
        self._record(MouStatusRecorded(status=status.value), actor, now)

    def override_mou(self, reason: str, actor: Actor, now: datetime) -> None:
        self._require_open()
        reason = reason.strip()
        if not reason:
            raise InvalidInput("An MoU override needs a reason.", {"reason": "Give a reason."})
        self.mou_override_reason = reason
        self._record(MouOverridden(reason=reason), actor, now)

    def record_recovery_opt_in(self, actor: Actor, now: datetime) -> None:
        self._require_open()
        if self.recovery_opt_in:
            raise DomainError(
                f"The council's recovery opt-in for {self.reference} is already recorded."
            )
        self.recovery_opt_in = True
        self._record(RecoveryOptInRecorded(), actor, now)

    def learn_personal_data(self, source: str, actor: Actor, now: datetime) -> bool:
        """Personal data turns out to be involved (a threshold-check answer, the ICO told):
        from now on the incident is treated as if the referral had said so, and its marking is
        raised. False when this was already known, so nothing is recorded twice.

        The referral's own record (ReferralReceived) keeps what was said at referral; the
        stored referral is what is known now, which the ICO reminders and the card read."""
        if self.referral.personal_data_involved:
            return False
        self.referral = replace(self.referral, personal_data_involved=True)
        self._record(PersonalDataInvolved(source=source), actor, now)
        self.raise_marking(Marking.OFFICIAL_SENSITIVE, "personal data is involved", actor, now)
        return True

    def raise_marking(self, marking: Marking, reason: str, actor: Actor, now: datetime) -> bool:
        """Raise, never lower: a marking can only go down by a person's recorded decision, and
        no such decision exists yet. False (nothing recorded) when already at or above."""
        if marking.rank <= self.marking.rank:
            return False
        previous, self.marking = self.marking, marking
        raised = MarkingRaised(from_marking=previous.value, to_marking=marking.value, reason=reason)
        self._record(raised, actor, now)
        return True

    def note(self, payload: Payload, actor: Actor, now: datetime) -> None:
        """Record an event that changes no state (a decision, a page, a note) on the timeline.
        The payload's class is its kind (bot.domain.events)."""
        self._record(payload, actor, now)

    # -- internals ----------------------------------------------------------------------------
    def _require_open(self) -> None:
        if not self.is_open:
            raise DomainError(
                f"{self.reference} is {self.state.label.lower()}; nothing can change."
            )

    def _record(self, payload: Payload, actor: Actor, now: datetime) -> None:
        self.updated_at = now
        self.pending_events.append(
            NewEvent(
                kind=payload.kind,
                actor_id=actor.user_id,
                actor_name=actor.name,
                organisation=actor.organisation,
                at=now,
                data=payload.data(),
            )
        )
