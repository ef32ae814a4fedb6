"""What every use case may consult besides the unit of work: the clock, the policy, ids."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.clock import Clock
from bot.policy.model import Policy
from bot.ports.metrics import NULL_METRICS, Metrics


@dataclass(frozen=True)
class CoreContext:
    clock: Clock
    policy: Policy
    new_id: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)
    metrics: Metrics = NULL_METRICS  # the server sets the exporter (bot.app.server)
