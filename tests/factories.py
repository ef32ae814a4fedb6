"""Builders for the commands and actors tests need, with sensible defaults to override."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.domain.actors import Actor, OrgKind
from bot.domain.clock import Clock
from bot.domain.timeline import TimelineKey
from bot.usecases.referral import OpenReferral

ASSESSOR = Actor("slack:T0MHCLG:U0ASSESSOR1", "Ada Assessor", OrgKind.MHCLG, "mhclg")
ASSESSOR_2 = Actor("slack:T0MHCLG:U0ASSESSOR2", "Bea Assessor", OrgKind.MHCLG, "mhclg")
MHCLG_OTHER = Actor("slack:T0MHCLG:U0INTERN", "Ian Intern", OrgKind.MHCLG, "mhclg")
KPMG_RESPONDER = Actor("slack:T0KPMG:U0KPMG1", "Kim Responder", OrgKind.PROVIDER, "kpmg")
ACCENTURE_RESPONDER = Actor(
    "slack:T0ACCENTURE:U0ACC1", "Al Responder", OrgKind.PROVIDER, "accenture"
)
COUNCIL_USER = Actor("slack:T0HACKNEY:U0HK1", "Hana Council", OrgKind.COUNCIL, "hackney")


def referral_cmd(clock: Clock, **overrides: Any) -> OpenReferral:
    cmd = OpenReferral(
        actor=ASSESSOR,
        council_id="hackney",
        description="Ransomware note on file servers; benefits system encrypted.",
        detected_at=clock.now() - timedelta(hours=2),
        services_affected="Benefits and payments; housing",
        attacker_active="unknown",
        contact_name="Hana Council",
        contact_email="hana@hackney.example",
        contact_phone="07700 900555",
        ncsc_reference="NCSC-12345",
        bodies_told=("ncsc",),
    )
    return replace(cmd, **overrides)


# The timeline key every test database is written with; subprocesses get it as CIR_TIMELINE_KEY.
TIMELINE_KEY_TEXT = "test-timeline-key-0123456789abcdef0123456789abcdef"
TIMELINE_KEY = TimelineKey(TIMELINE_KEY_TEXT.encode())
