"""Keys of Slack deliveries already acted on (see handlers.slack.replay)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class SlackDeliveryRow(Base):
    __tablename__ = "slack_deliveries"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    expires_at: Mapped[datetime]

    __table_args__ = (Index("ix_slack_deliveries_expires", "expires_at"),)
