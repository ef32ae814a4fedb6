"""Learnt workspace-to-organisation bindings, in their own module so this work leaves the shared
models file alone; it shares `Base` so one metadata describes the whole schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class OrgBindingRow(Base):
    __tablename__ = "learnt_org_bindings"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_kind: Mapped[str] = mapped_column(String(16))
    org_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"))
    learnt_from_user: Mapped[str] = mapped_column(String(64))
    learnt_at: Mapped[datetime]
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_by_name: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_learnt_org_bindings_status", "platform", "status"),)
