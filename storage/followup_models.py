"""Tables for what follows contact: the notifications checklist and lessons learned."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class ChecklistItemRow(Base):
    __tablename__ = "checklist_items"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class LessonsCollectionRow(Base):
    __tablename__ = "lessons_collections"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    organisations: Mapped[list[Any]]
    requested_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str] = mapped_column(String(200), default="")
    closed_by_name: Mapped[str] = mapped_column(String(200), default="")


class LessonsSubmissionRow(Base):
    """One per organisation and incident: the unique constraint is the last line of defence
    against a form submitted twice at the same moment."""

    __tablename__ = "lessons_submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))
    organisation: Mapped[str] = mapped_column(String(120))
    answers: Mapped[dict[str, Any]]
    recommendations: Mapped[list[Any]]
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_by_name: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("incident_id", "organisation", name="uq_lessons_once_per_org"),
    )
