"""The provider engagement table, in its own module so the activation work does not touch the
shared models file; it shares `Base` so one metadata describes the whole schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class EngagementRow(Base):
    __tablename__ = "provider_engagements"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    notified_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str] = mapped_column(String(200), default="")
    acknowledged_by_name: Mapped[str] = mapped_column(String(200), default="")
    contact_at: Mapped[datetime | None]
    contact_by: Mapped[str] = mapped_column(String(200), default="")
    contact_by_name: Mapped[str] = mapped_column(String(200), default="")
    contact_method: Mapped[str] = mapped_column(String(16), default="")
    contact_recorded_at: Mapped[datetime | None]
