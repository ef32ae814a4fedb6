"""Stored Teams conversation references, in their own module so this work leaves the shared
models file alone; it shares `Base` so one metadata describes the whole schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class ConversationRow(Base):
    __tablename__ = "teams_conversations"

    conversation_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    org_kind: Mapped[str] = mapped_column(String(16))
    org_id: Mapped[str] = mapped_column(String(80))
    tenant_id: Mapped[str] = mapped_column(String(64))
    service_url: Mapped[str] = mapped_column(String(400))
    conversation_type: Mapped[str] = mapped_column(String(16))
    bot_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_teams_conversations_org", "org_kind", "org_id"),)
