"""What is said when an incident ends before activation, worded once for every platform: the
forms' introductions, the announcement, and the council's own obligations, which outlast the
incident (the guidance: councils remain responsible for their own response)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.checklist import ItemKind, ItemStatus
from bot.domain.incident import Incident
from bot.domain.uk_time import LONDON, clock_time
from bot.policy.model import Council
from bot.usecases.checklist import ChecklistView
from bot.usecases.ending import Ended, Ending

TITLES = {Ending.MONITORING_ENDED: "Close monitoring", Ending.DECLINED: "Decline CIR support"}
SUBMIT = {Ending.MONITORING_ENDED: "Close", Ending.DECLINED: "Decline"}
REASON_LABELS = {
    Ending.MONITORING_ENDED: "Why has monitoring ended?",
    Ending.DECLINED: "Why does the council decline CIR support?",
}
REASON_HINTS = {
    Ending.MONITORING_ENDED: "On the record. The council sees it in the incident channel.",
    Ending.DECLINED: "On the record, and told to MHCLG's CIR team.",
}


def dated(at: datetime) -> str:
    return f"{clock_time(at)} on {at.astimezone(LONDON):%a %d %b %Y}"


def obligation_lines(view: ChecklistView, council: Council | None) -> list[str]:
    """Each body the council should tell, where it stands and how to tell it."""
    lines = []
    for row in view.rows:
        label = row.label
        if row.item is ItemKind.WARP and council is not None and council.warp:
            label = f"{label} ({council.warp})"
        status = row.status.value.replace("_", " ")
        if row.reference:
            status += f", ref {row.reference}"
        if row.reason:
            status += f" ({row.reason})"
        how = " ".join(p for p in (row.detail, row.phone) if p)
        line = f"{label}: {status}."
        if row.status is ItemStatus.OUTSTANDING:
            line += f" {how}"
            if row.item is ItemKind.ICO and view.personal_data_involved:
                line += f" The 72 hours end at {dated(view.ico_deadline)}."
        lines.append(line)
    return lines


def form_intro(
    incident: Incident, ending: Ending, view: ChecklistView, council: Council | None
) -> str:
    if ending is Ending.MONITORING_ENDED:
        return (
            f"{incident.reference} is monitored below the threshold. Closing it ends the "
            "monitoring and its review reminders; it cannot then be re-assessed. If "
            "circumstances change afterwards, the council reports again and a new referral is "
            "assessed. The reason is on the record and shown in the incident channel."
        )
    obligations = "\n".join(f"• {line}" for line in obligation_lines(view, council))
    return (
        "Using the Cyber Incident Response service is not mandatory. If the council declines "
        f"it, {incident.reference} is closed as declined, MHCLG's CIR team is told with the "
        "reason, and no provider is sent. The council remains responsible for its own "
        "response, and for telling:\n" + obligations
    )


def ended_text(result: Ended, actor_name: str, council: Council | None) -> str:
    """The announcement's first line: who ended what (names are typed by people: escape)."""
    ref = result.incident.reference
    name = council.name if council else result.incident.council_id
    if result.ending is Ending.MONITORING_ENDED:
        return f"{ref}: monitoring ended by {actor_name} (MHCLG); the incident is closed."
    return f"{ref}: {name} declined CIR support ({actor_name}); the incident is closed as declined."


def ended_after(result: Ended) -> str:
    """What happens next, said after the reason."""
    if result.ending is Ending.MONITORING_ENDED:
        return (
            "Its review reminders have stopped. If circumstances change, report the incident "
            "to MHCLG again and it will be assessed as a new referral."
        )
    return (
        "No provider will be sent and the bot sends no more reminders for this incident. MHCLG "
        "can still be contacted if circumstances change. The council's own obligations still "
        "apply:"
    )
