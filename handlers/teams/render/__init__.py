"""Adaptive Cards 1.5 for Teams, laid out from the same view models as the Slack renderers
(`bot/views`, `bot/ports/chat.py`). A renderer only lays out; every rule is in the core."""

from handlers.teams.render.budget import attachment
from handlers.teams.render.card import incident_card
from handlers.teams.render.outbound import outbound_card

__all__ = ["attachment", "incident_card", "outbound_card"]
