"""Typed SQLAlchemy tables. Rows are mapped to domain objects in the repositories, so the core
never sees an ORM class."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    council_id: Mapped[str] = mapped_column(String(80), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    marking: Mapped[str] = mapped_column(String(32))
    mou_status: Mapped[str] = mapped_column(String(16))
    mou_override_reason: Mapped[str] = mapped_column(Text, default="")
    recovery_opt_in: Mapped[bool] = mapped_column(default=False)
    provider_ids: Mapped[list[Any]] = mapped_column(default=list)
    referral: Mapped[dict[str, Any]]
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("year", "number", name="uq_incidents_year_number"),)


class ReferenceCounterRow(Base):
    """Gap-free numbers per year; `mac` (bot.domain.seal) makes deleting the newest incident
    and winding the counter back detectable."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)
    mac: Mapped[str] = mapped_column(String(64), default="")


class TimelineEventRow(Base):
    """Append-only: database triggers refuse UPDATE, DELETE, TRUNCATE and SQLite's INSERT OR
    REPLACE (migrations 0001 and 0006)."""

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str] = mapped_column(String(200))
    actor_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("incident_id", "seq", name="uq_timeline_incident_seq"),
        Index("ix_timeline_incident_at", "incident_id", "at"),
    )


class TimelineHeadRow(Base):
    """Each incident's keyed chain head (bot.domain.seal), apart from the events so deleting
    them leaves it behind; no foreign key, so it outlives a deleted incident as evidence."""

    __tablename__ = "timeline_heads"

    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    council_id: Mapped[str] = mapped_column(String(80))
    provider_ids: Mapped[list[Any]]
    seq: Mapped[int] = mapped_column(Integer)
    event_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class IncidentChannelRow(Base):
    __tablename__ = "incident_channels"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    channel_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_incident_channels_channel", "platform", "channel_id"),)


class ExternalInviteRow(Base):
    __tablename__ = "external_invites"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))
    platform: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(254))
    org_kind: Mapped[str] = mapped_column(String(16))
    org_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    invite_id: Mapped[str] = mapped_column(String(64), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("incident_id", "platform", "email", name="uq_invite_once"),)


class PostedMessageRow(Base):
    __tablename__ = "posted_messages"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    message_ts: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class ProcessedRequestRow(Base):
    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime]
    result: Mapped[dict[str, Any]]


class AssessmentRow(Base):
    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))
    assessor_id: Mapped[str] = mapped_column(String(200))
    answers: Mapped[dict[str, Any]]
    recommendation: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[Any]]
    decision: Mapped[str] = mapped_column(String(16), default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24))
    confirmed_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_assessments_incident", "incident_id"),)


class DeadlineRow(Base):
    __tablename__ = "deadlines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # NULL for the service's own timed jobs (migration 0009), e.g. the monthly figures post
    # and the daily retention purge
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    claimed_by: Mapped[str] = mapped_column(String(120), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_deadlines_state_due", "state", "due_at"),
        Index("ix_deadlines_incident", "incident_id", "state"),
        Index("ix_deadlines_state_kind_due", "state", "kind", "due_at"),  # /metrics' counts
    )
