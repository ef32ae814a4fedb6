"""Where an incident lives on each platform: its channel, the invitations sent to other
organisations, and the messages the bot keeps up to date (the pinned card, the triage card).

Invited is not joined: a Slack Connect invitation completes later (acceptance, maybe admin
approval), so its state is tracked apart from the channel's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Platform(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"


class ChannelStatus(StrEnum):
    CREATING = "creating"
    CREATED = "created"
    FAILED = "failed"


class InviteStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    APPROVED = "approved"  # an admin of a workspace that vets Slack Connect approved it too
    DECLINED = "declined"
    FAILED = "failed"


class MessagePurpose(StrEnum):
    CARD = "card"
    TRIAGE_CARD = "triage_card"
    PAGE = "page"


@dataclass
class ChannelBinding:
    incident_id: str
    platform: Platform
    channel_id: str
    channel_name: str
    status: ChannelStatus
    error: str
    updated_at: datetime


@dataclass
class Invite:
    id: str
    incident_id: str
    platform: Platform
    email: str
    org_kind: str
    org_id: str
    status: InviteStatus
    invite_id: str
    error: str
    updated_at: datetime


@dataclass(frozen=True)
class PostedMessage:
    incident_id: str
    platform: Platform
    purpose: MessagePurpose
    channel_id: str
    message_ts: str
