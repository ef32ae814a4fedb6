"""Councils recognised without anyone typing a team id: learnt from the Slack Connect invitation
a council's contact accepts, confirmed once by MHCLG, then looked up by the identity edge.

Learning is automatic but recognition is not: a learnt workspace is only a proposal until
someone in MHCLG confirms it (an invitation sent to the wrong address, or accepted from a
supplier's workspace, must not make strangers the council). MHCLG's and the providers' own
workspaces are never learnt as a council's, nor a workspace already configured for another
organisation. Every step is on the incident's timeline where it was learnt.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.actors import SYSTEM, Actor, OrgKind
from bot.domain.bindings import Platform
from bot.domain.errors import DomainError, NotAuthorised
from bot.domain.events import (
    SlackTeamConfirmed,
    SlackTeamLearnt,
    SlackTeamNotLearnt,
    SlackTeamRejected,
)
from bot.domain.incident import Incident
from bot.domain.org_bindings import BindingStatus, TeamBinding
from bot.policy.model import Council, Policy
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.usecases.authz import is_mhclg, refuse
from bot.usecases.context import CoreContext
from bot.usecases.loading import NOT_YOURS, load_incident
from bot.usecases.participants import can_view

log = logging.getLogger(__name__)
TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,30}$")  # Slack team (T…) and Enterprise Grid (E…) ids
DECIDED_BY = "Only MHCLG's CIR team can confirm which council a Slack workspace belongs to."


@dataclass(frozen=True)
class TeamProposal:
    """What MHCLG is asked to confirm."""

    binding: TeamBinding
    council_name: str
    reference: str


def _configured_owner(policy: Policy, team_id: str) -> str:
    """The organisation config already gives this team, if any."""
    if team_id == policy.mhclg.slack_team_id:
        return "MHCLG"
    for provider in policy.providers.values():
        if team_id in provider.slack_team_ids:
            return provider.name
    for council in policy.councils.values():
        if team_id == council.slack_team_id:
            return council.name
    return ""


async def learn_team(
    uow: UnitOfWork,
    ctx: CoreContext,
    platform: Platform,
    invite_id: str,
    team_id: str,
    user_id: str,
) -> TeamProposal | None:
    """After an invitation is accepted (`team_id`: the accepting person's own workspace): a
    proposal for MHCLG, or None when there is nothing to ask (not one of our invitations to a
    council, a team id Slack would never send, already configured or decided, refused). An
    undecided workspace is put to MHCLG again, so a lost question is not the end of it."""
    if not invite_id or not TEAM_ID.match(team_id):
        return None
    async with uow:
        invite = await uow.invites.by_invite_id(platform, invite_id)
        council = ctx.policy.councils.get(invite.org_id) if invite else None
        if invite is None or invite.org_kind != OrgKind.COUNCIL.value or council is None:
            return None
        if team_id == council.slack_team_id:
            return None  # configured: recognised already
        incident = await load_incident(uow, invite.incident_id, for_update=True)
        owner = _configured_owner(ctx.policy, team_id)
        known = await uow.org_bindings.get(invite.platform, team_id)
        if known is not None and known.org_id == council.id:
            if known.status is not BindingStatus.PENDING:
                return None  # decided: MHCLG is not asked twice
            # still undecided (the question may never have reached the triage channel): ask
            # again, without a second timeline entry
            return TeamProposal(known, council.name, str(incident.reference))
        if owner or known is not None:
            _not_learnt(incident, ctx, team_id, council.id, owner or _owner_name(ctx, known))
            await uow.commit()
            return None
        binding = TeamBinding(
            platform=invite.platform,
            team_id=team_id,
            org_kind=OrgKind.COUNCIL.value,
            org_id=council.id,
            status=BindingStatus.PENDING,
            incident_id=incident.id,
            learnt_from_user=user_id[:64],
            learnt_at=ctx.clock.now(),
        )
        await uow.org_bindings.save(binding)
        learnt = SlackTeamLearnt(
            platform=invite.platform.value,
            team_id=team_id,
            council=council.id,
            accepted_by=user_id[:64],
        )
        incident.note(learnt, SYSTEM, binding.learnt_at)
        await uow.commit()
    return TeamProposal(binding, council.name, str(incident.reference))


def _owner_name(ctx: CoreContext, binding: TeamBinding | None) -> str:
    if binding is None:
        return ""
    council = ctx.policy.councils.get(binding.org_id)
    return council.name if council else binding.org_id


def _not_learnt(
    incident: Incident, ctx: CoreContext, team_id: str, council_id: str, owner: str
) -> None:
    not_learnt = SlackTeamNotLearnt(
        team_id=team_id, council=council_id, reason=f"the workspace is {owner}'s"
    )
    incident.note(not_learnt, SYSTEM, ctx.clock.now())


@dataclass(frozen=True)
class DecideTeam:
    actor: Actor
    platform: Platform
    team_id: str
    confirm: bool  # False: MHCLG says the workspace is not the council's


async def decide_team(cmd: DecideTeam, uow: UnitOfWork, ctx: CoreContext) -> TeamProposal:
    """MHCLG confirms (or rejects) a learnt workspace, once; recorded on the incident's
    timeline where it was learnt. Anyone else is refused, and the attempt recorded."""
    async with uow:
        binding = await uow.org_bindings.get(cmd.platform, cmd.team_id)
        if not is_mhclg(cmd.actor):
            # refused before saying whether such a workspace is waiting: only the CIR team
            # learns which workspaces are, and the incident's people hear why
            if binding is None:
                raise NotAuthorised(NOT_YOURS)
            incident = await load_incident(uow, binding.incident_id, for_update=True)
            why = DECIDED_BY if can_view(cmd.actor, incident, ctx) else NOT_YOURS
            raise await refuse(uow, incident, cmd.actor, "confirm_slack_team", why, ctx)
        if binding is None:
            raise DomainError(f"No Slack workspace {cmd.team_id} is waiting for confirmation.")
        incident = await load_incident(uow, binding.incident_id, for_update=True)
        council_name = _owner_name(ctx, binding)
        if binding.status is not BindingStatus.PENDING:
            raise DomainError(
                f"{binding.team_id} was already {binding.status.value} as {council_name}'s "
                f"workspace by {binding.decided_by_name}."
            )
        now = ctx.clock.now()
        binding.status = BindingStatus.CONFIRMED if cmd.confirm else BindingStatus.REJECTED
        binding.decided_by, binding.decided_by_name = cmd.actor.user_id, cmd.actor.name
        binding.decided_at = now
        await uow.org_bindings.save(binding)
        decided = SlackTeamConfirmed if cmd.confirm else SlackTeamRejected
        incident.note(
            decided(
                platform=binding.platform.value, team_id=binding.team_id, council=binding.org_id
            ),
            cmd.actor,
            now,
        )
        await uow.commit()
    return TeamProposal(binding, council_name, str(incident.reference))


@dataclass(frozen=True)
class Unrecognised:
    council: Council
    waiting: str = ""  # a learnt team id waiting for MHCLG's confirmation


async def unrecognised_councils(uow: UnitOfWork, ctx: CoreContext) -> list[Unrecognised]:
    """Councils invited by Slack Connect whose people the bot cannot yet tell apart: no team id
    in config and none learnt and confirmed. For `check-config`, so the gap is seen before an
    incident, not during one."""
    async with uow:
        confirmed = await uow.org_bindings.teams(Platform.SLACK, BindingStatus.CONFIRMED)
        pending = await uow.org_bindings.teams(Platform.SLACK, BindingStatus.PENDING)
    known = set(confirmed.values())
    waiting = {council: team for team, council in pending.items()}
    return [
        Unrecognised(c, waiting.get(c.id, ""))
        for c in ctx.policy.councils.values()
        if c.slack_connect and not c.slack_team_id and c.id not in known
    ]


class LearntTeams:
    """Confirmed workspaces by team id, for the identity edge on every click: the table is
    small (one row per council at most), so it is read whole and kept for `ttl`; a replica
    that did not see a confirmation picks it up within that time, the one that did at once
    (`forget`). If the database cannot be read, the last answer stands (a confirmation is
    never taken back), and with none, nobody is recognised this way."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        ctx: CoreContext,
        platform: Platform = Platform.SLACK,
        ttl: timedelta = timedelta(seconds=60),
    ) -> None:
        self._uow, self._ctx, self._platform, self._ttl = uow, ctx, platform, ttl
        self._teams: dict[str, str] = {}
        self._until: datetime | None = None

    def forget(self) -> None:
        self._until = None

    async def council_for(self, team_id: str) -> str | None:
        now = self._ctx.clock.now()
        if self._until is None or now >= self._until:
            try:
                async with self._uow() as uow:
                    self._teams = await uow.org_bindings.teams(
                        self._platform, BindingStatus.CONFIRMED
                    )
                self._until = now + self._ttl
            except Exception:  # the database is away: keep what was known, recognise no more
                log.warning(
                    "learnt workspaces could not be read; using the last known", exc_info=True
                )
        council = self._teams.get(team_id)
        return council if council in self._ctx.policy.councils else None
