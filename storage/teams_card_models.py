"""The incident cards posted in Teams conversations, in their own module so this work leaves
the shared models file alone; it shares `Base` so one metadata describes the whole schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class TeamsCardRow(Base):
    __tablename__ = "teams_cards"

    incident_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(200))
    org_kind: Mapped[str] = mapped_column(String(16))
    org_id: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime]
