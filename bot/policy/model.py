"""The policy as typed, validated objects the use cases consult."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.bindings import Platform
from bot.policy.followups import Followups
from bot.policy.questionnaire import Questionnaire
from bot.policy.retention import Retention


@dataclass(frozen=True)
class Contact:
    name: str
    email: str = ""
    phone: str = ""
    slack_user: str = ""
    teams_user: str = ""  # the person's Microsoft Entra object id (a GUID), for Teams


@dataclass(frozen=True)
class TeamsPlace:
    """Where an organisation on Microsoft Teams is: its Microsoft 365 tenant (whose people act
    for it) and the Bot Connector endpoint Teams gave for it (`serviceUrl`, e.g.
    https://smba.trafficmanager.net/uk/). The conversation itself is learnt when the app is
    installed there (see bot.domain.conversations), not configured."""

    tenant_id: str
    service_url: str = ""


@dataclass(frozen=True)
class Council:
    id: str
    name: str
    region: str
    warp: str
    contacts: tuple[Contact, ...] = ()
    slack_connect: bool = False
    slack_team_id: str = ""
    code: str = ""  # the ONS local authority code (E06000001), from the official register
    council_type: str = ""  # a register.CouncilType value, e.g. "London borough"
    platform: Platform = Platform.SLACK  # where the council's people take part
    teams: TeamsPlace | None = None  # set when platform is teams


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    paging_channel: str
    slack_team_ids: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    escalation_contacts: tuple[Contact, ...] = ()
    platform: Platform = Platform.SLACK  # where the provider's people take part
    teams: TeamsPlace | None = None  # set when platform is teams


@dataclass(frozen=True)
class RotaPeriod:
    """Instants (timezone-aware): on duty from `start` up to, not including, `end`."""

    start: datetime
    end: datetime | None
    provider_ids: tuple[str, ...]

    def covers(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True)
class DutyShift:
    """On duty from `start` (an instant: a London handover time) until the next shift starts."""

    start: datetime
    manager: Contact


@dataclass(frozen=True)
class Mhclg:
    slack_team_id: str
    assessors: tuple[str, ...]
    team_users: tuple[str, ...]
    team_usergroup: str
    triage_channel: str
    four_eyes: bool
    review_reminder: timedelta
    info_reminder: timedelta
    monitor_guidance: str
    duty_rota: tuple[DutyShift, ...]
    ncsc_users: tuple[str, ...] = ()  # read-only observers (often guests in MHCLG's workspace)
    gc3_users: tuple[str, ...] = ()

    def duty_manager(self, at: datetime) -> Contact | None:
        """Who is on duty at that instant: the latest shift begun by then (handovers are to the
        minute, so an escalation at 08:00 London goes to the manager who took over at 08:00)."""
        current = [s for s in self.duty_rota if s.start <= at]
        return max(current, key=lambda s: s.start).manager if current else None


class RecipientKind(StrEnum):
    """Who a step of the contact ladder notifies (`notify:` in config/escalation.yml). The
    loader accepts exactly these; the firing has one way of reaching each
    (`bot.usecases.firing.contact.REACH`), and a test checks none is missing."""

    PROVIDER_CHANNEL = "provider_channel"  # each assigned provider's paging channel
    PROVIDER_ESCALATION = "provider_escalation"  # each provider's escalation contacts
    DUTY_MANAGER = "duty_manager"  # MHCLG's duty manager on the rota at that moment
    INCIDENT_CHANNEL = "incident_channel"  # the incident's own channel


@dataclass(frozen=True)
class LadderStep:
    """A step relative to when the provider was notified (scaled with the contact deadline)."""

    offset: timedelta
    kind: str  # "reminder" | "escalation"
    level: int
    notify: tuple[RecipientKind, ...]


@dataclass(frozen=True)
class Ladder:
    contact_deadline: timedelta
    steps: tuple[LadderStep, ...]


@dataclass(frozen=True)
class Policy:
    councils: dict[str, Council]
    providers: dict[str, Provider]
    rota: tuple[RotaPeriod, ...]
    mhclg: Mhclg
    ladder: Ladder
    questionnaire: Questionnaire
    followups: Followups
    retention: Retention = field(default_factory=Retention)

    def providers_on_duty(self, at: datetime) -> tuple[Provider, ...]:
        """The latest-starting period covering the instant decides (a later entry overrides)."""
        for period in sorted(self.rota, key=lambda p: p.start, reverse=True):
            if period.covers(at):
                return tuple(self.providers[p] for p in period.provider_ids)
        return ()
