"""Telling MHCLG in its triage channel that a proactive message did not reach Teams.

Said once per message, not at every retry: when a page first fails, when it is given up, and
when an escalation level first fails to reach Teams (its retries are on the timeline). The
telling is itself best effort: Slack refusing it changes nothing of the firing, whose outcome
is on the timeline either way.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.ports.chat import OutboundMessage
from bot.usecases.firing.outcomes import attempt_chat

if TYPE_CHECKING:
    from bot.usecases.firing import FiringDeps

log = logging.getLogger(__name__)


async def tell_mhclg(deps: FiringDeps, message: OutboundMessage) -> bool:
    triage = deps.ctx.policy.mhclg.triage_channel
    told = await attempt_chat(deps.chat.to_channel(triage, message), f"triage:{triage}")
    if not told.ok:
        log.warning("MHCLG not told in triage", extra={"status": told.error[:200]})
    return told.ok
