"""The table of the retention purge, in its own module so this work leaves the shared models file
alone; it shares `Base` so one metadata describes the whole schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class IncidentPurgeRow(Base):
    """An incident whose personal data was purged. While `status` is 'purging' (inside the
    purge's own transaction) the append-only triggers let that incident's events before
    `purge_seq` have their content rewritten, and nothing else (migration 0008)."""

    __tablename__ = "incident_purges"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    closed_at: Mapped[datetime]
    purged_at: Mapped[datetime]
    purge_seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    events: Mapped[int] = mapped_column(Integer, default=0)  # events whose content changed
