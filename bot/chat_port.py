"""Moved to `bot.ports.chat`. Kept only while tests/fakes (moving to sandbox/) imports it from
here; delete once nothing does."""

from bot.ports.chat import ChatDelivery, ChatPort, OutboundMessage

__all__ = ["ChatDelivery", "ChatPort", "OutboundMessage"]
