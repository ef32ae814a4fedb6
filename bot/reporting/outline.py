"""The report laid out as titled sections of plain-text blocks, shared by every renderer.

Markdown and PDF then only decide how a block looks, so the two outputs can never disagree about
what the report says, and every string here is plain text the renderer escapes or sanitises.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.reporting.model import Report
from bot.reporting.words import body_name, format_duration, format_time, words


@dataclass(frozen=True)
class Facts:
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    widths: tuple[int, ...]  # relative column widths, for renderers that lay out a page
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Subheading:
    text: str


Block = Facts | Table | Subheading


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


TITLES = (
    "Summary",
    "Nature and impact",
    "Threshold decision",
    "Provider contact and the 30-minute deadline",
    "Response phases",
    "Notifications",
    "Lessons learned",
    "Recommendations",
    "Report distribution",
    "Timeline of actions",
)
NONE = Facts((("Recorded", "nothing"),))


def _yes(value: bool | None, *, unknown: str = "-") -> str:
    return unknown if value is None else ("yes" if value else "no")


def title(report: Report) -> str:
    return f"Post-incident report: {report.header.reference}"


def outline(report: Report) -> tuple[Section, ...]:
    h, n, t, c = report.header, report.nature_and_impact, report.threshold, report.contact
    summary = Facts(
        (
            ("Incident", h.reference),
            ("Council", h.council_name),
            ("Classification", h.marking),
            ("Status", h.state),
            ("Opened", format_time(h.opened_at)),
            ("Report generated", format_time(h.generated_at)),
            ("Times", "UK time: GMT, or BST (GMT+1) in summer"),
        )
    )
    nature: list[Block] = [
        Facts(
            (
                ("What happened", n.description),
                ("Detected", format_time(n.detected_at)),
                ("Referred to MHCLG", format_time(n.referred_at)),
                ("Services affected", n.services_affected),
                ("Attacker still active", n.attacker_active or "-"),
                ("Personal data involved", _yes(n.personal_data_involved)),
                ("NCSC reference", n.ncsc_reference or "-"),
                ("Bodies told at referral", ", ".join(body_name(b) for b in n.bodies_told) or "-"),
                ("Threshold check summary", n.assessment_summary or "-"),
            )
        )
    ]
    if n.answers:
        nature.append(
            Table(("Question", "Answer"), (1, 1), tuple((a.question, a.answer) for a in n.answers))
        )
    threshold = Facts(
        (
            ("Recommendation", words(t.recommendation) or "-"),
            ("Decision", words(t.decision) or "not recorded"),
            ("Against the recommendation", _yes(t.differs_from_recommendation)),
            ("Rationale", t.rationale or "-"),
            ("Decided by", f"{t.decided_by}, {format_time(t.decided_at)}" if t.decided_by else "-"),
            (
                "Second assessor (four eyes)",
                f"{t.confirmed_by}, {format_time(t.confirmed_at)}"
                if t.confirmed_by
                else ("awaiting confirmation" if t.four_eyes else "not required"),
            ),
            ("MoU status", words(t.mou_status)),
            ("MoU override", t.mou_override_reason or "-"),
        )
    )
    minutes = f"{c.minutes_to_contact:g} minutes" if c.minutes_to_contact is not None else "-"
    contact: list[Block] = [
        Facts(
            (
                ("Providers paged", ", ".join(c.providers) or "none"),
                ("Notified", format_time(c.notified_at)),
                ("Contact deadline", format_time(c.deadline_at)),
                ("Contact made (as stated)", format_time(c.contact_at)),
                ("Contact recorded", format_time(c.contact_recorded_at)),
                ("Made by", f"{c.contact_by} ({c.method})" if c.contact_by else "-"),
                ("Time to contact", minutes),
                ("Deadline met", _yes(c.met_deadline, unknown="not yet due")),
                ("Reminders sent", str(len(c.reminders))),
                ("Escalations sent", str(len(c.escalations))),
            )
        )
    ]
    if c.escalations:
        contact.append(
            Table(
                ("When", "Level", "Sent to"),
                (3, 1, 8),
                tuple((format_time(e.at), str(e.level), e.detail) for e in c.escalations),
            )
        )
    phases = Table(
        ("Phase", "Start", "End", "Duration", "Done / reason"),
        (3, 3, 3, 2, 6),
        tuple(
            (
                p.label,
                format_time(p.start),
                format_time(p.end),
                format_duration(p.duration),
                " ".join(x for x in (p.summary, f"({p.reason})" if p.reason else "") if x),
            )
            for p in report.phases
        ),
    )
    notes = Table(
        ("Body", "Status", "Reference", "Done", "Note"),
        (4, 2, 2, 3, 4),
        tuple(
            (x.label, x.status, x.reference, format_time(x.done_at) if x.done_at else "", x.reason)
            for x in report.notifications
        ),
    )
    lessons: list[Block] = []
    for lesson in report.lessons:
        lessons.append(Subheading(f"{lesson.organisation} ({lesson.submitted_by})"))
        lessons.append(Facts(tuple((a.question, a.answer) for a in lesson.answers) or NONE.pairs))
    recs = Table(
        ("Recommendation", "Owner", "From"),
        (6, 2, 2),
        tuple((r.text, r.owner, r.organisation) for r in report.recommendations),
    )
    shares = Table(
        ("When", "Shared with", "Address", "Version", "Route", "By", "Delivery"),
        (3, 3, 4, 2, 3, 3, 3),
        tuple(
            (format_time(s.at), s.recipient, s.to, s.version, s.route, s.by, s.status)
            for s in report.shares
        ),
    )
    timeline = Table(
        ("When", "Who", "Organisation", "What"),
        (28, 30, 30, 102),
        tuple((format_time(r.at), r.who, r.organisation, r.what) for r in report.timeline),
    )
    blocks: tuple[tuple[Block, ...], ...] = (
        (summary,),
        tuple(nature),
        (threshold,),
        tuple(contact),
        (phases,),
        (notes,),
        tuple(lessons) or (NONE,),
        (recs,) if recs.rows else (NONE,),
        (shares,) if shares.rows else (Facts((("Shared", "not yet"),)),),
        (timeline,),
    )
    return tuple(Section(t, b) for t, b in zip(TITLES, blocks, strict=True))
