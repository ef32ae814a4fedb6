"""MHCLG's monthly figures as an A4 PDF: the numbers as text (so they can be read back and
checked) and a chart for each, drawn with matplotlib (Agg, in memory: no screen needed), with the
marking on every page.

The figures are aggregates of the month's incidents: no council's incident detail or personal
data appears, so the marking is OFFICIAL.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from fpdf import FPDF
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.domain.uk_time import LONDON
from bot.reporting.figures import MonthlyFigures
from handlers.report.pdf import sanitise

MARKING = "OFFICIAL"
FONT = "Helvetica"
BLUE, RED, GREY = "#1d70b8", "#d4351c", "#505a5f"  # GOV.UK colours


class _Doc(FPDF):
    def header(self) -> None:
        self.set_font(FONT, "B", 9)
        self.cell(0, 5, MARKING, align="C", new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "B", 9)
        self.cell(0, 5, f"{MARKING} - page {self.page_no()}", align="C")


def _chart(draw: Callable[[Axes], None], *, height: float = 3.0) -> bytes:
    # A Figure made directly, not through pyplot: no global state, no display, nothing to close
    figure = Figure(figsize=(7.0, height), dpi=110)
    draw(figure.subplots())
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _bars(axes: Axes, values: Mapping[str, float], colour: str, label: str) -> None:
    names = list(values) or ["none"]
    heights = list(values.values()) or [0]
    axes.barh(names[::-1], heights[::-1], color=colour)
    axes.set_xlabel(label)


class _Writer:
    def __init__(self, title: str) -> None:
        self.pdf = _Doc(format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.set_title(sanitise(title))
        self.pdf.add_page()

    def heading(self, text: str, size: int = 12) -> None:
        self.pdf.ln(2)
        self.pdf.set_font(FONT, "B", size)
        self.pdf.multi_cell(0, 6, sanitise(text), new_x="LMARGIN", new_y="NEXT")

    def lines(self, rows: Sequence[str]) -> None:
        self.pdf.set_font(FONT, "", 9)
        for row in rows:
            self.pdf.multi_cell(0, 4.6, sanitise(row), new_x="LMARGIN", new_y="NEXT")

    def rows(self, rows: Sequence[str]) -> None:
        """Short lines that never wrap: drawn as cells, much cheaper than fpdf's line breaking."""
        self.pdf.set_font(FONT, "", 9)
        for row in rows:
            self.pdf.cell(0, 4.6, sanitise(row), new_x="LMARGIN", new_y="NEXT")

    def image(self, png: bytes) -> None:
        self.pdf.image(io.BytesIO(png), w=self.pdf.epw)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} min"


def render_figures_pdf(
    figures: MonthlyFigures, *, deadline_minutes: float, generated_at: datetime
) -> bytes:
    month = figures.month.strftime("%B %Y")
    doc = _Writer(f"CIR monthly figures: {month}")
    doc.heading(f"Cyber Incident Response: monthly figures for {month}", 14)
    local = generated_at.astimezone(LONDON)
    doc.lines(
        [
            f"Generated {local:%d %B %Y %H:%M} {local:%Z} (London) from the incidents' timelines.",
            f"Referrals received: {figures.incidents}. Activated: {figures.activated}.",
            f"Contact deadlines met: {figures.met}. Missed: {figures.missed}.",
            f"Lessons learned returned: {figures.lessons_returned} of {figures.lessons_asked} "
            "asked.",
        ]
    )

    doc.heading(
        f"Time from notification to contact, by provider ({deadline_minutes:g}-minute line)"
    )
    doc.lines(
        [
            f"{p.provider}: contacts {len(p.minutes_to_contact)}, median "
            f"{_minutes(p.median_minutes)}, longest {_minutes(p.longest_minutes)}, met {p.met}, "
            f"missed {p.missed}, pending {p.pending}."
            for p in figures.providers
        ]
        or ["No provider was paged this month."]
    )

    charts = iter(chart_images(figures, deadline_minutes=deadline_minutes))
    doc.image(next(charts)[1])
    doc.image(next(charts)[1])
    for (heading, values), (_title, png) in zip(_sections(figures), charts, strict=True):
        doc.heading(heading)
        doc.lines([f"{name}: {_number(value)}" for name, value in values.items()] or ["None."])
        doc.image(png)
    doc.heading("Incidents counted")
    per_line = 6  # short lines: fpdf's line breaking is slow on one very long paragraph
    refs = figures.references
    doc.lines(
        [", ".join(refs[i : i + per_line]) for i in range(0, len(refs), per_line)] or ["None."]
    )
    return doc.output()


def _sections(figures: MonthlyFigures) -> list[tuple[str, Mapping[str, float]]]:
    return [
        (
            "Escalations sent, by level",
            {f"level {k}": v for k, v in figures.escalations_per_level.items()},
        ),
        ("Incidents by region", dict(figures.per_region)),
        ("Incidents by NCSC category", dict(figures.per_category)),
        (
            "Median time in each phase (completed phases)",
            {k: _median(v) for k, v in figures.phase_hours.items()},
        ),
    ]


_SECTION_STYLE = [(RED, "escalations"), (BLUE, "incidents"), (GREY, "incidents"), (BLUE, "hours")]


def chart_images(figures: MonthlyFigures, *, deadline_minutes: float) -> list[tuple[str, bytes]]:
    """The figures' charts as PNGs with their titles, in the PDF's order: the PDF places them
    between its text, and the monthly post uploads them to Slack as they are."""

    def contact(axes: Axes) -> None:
        for row, p in enumerate(figures.providers):
            xs = list(p.minutes_to_contact)
            colours = [RED if x > deadline_minutes else BLUE for x in xs]
            axes.scatter(xs, [row] * len(xs), c=colours, s=18)
        axes.axvline(deadline_minutes, color=RED, linestyle="--")
        names = [p.provider for p in figures.providers]
        axes.set_yticks(range(len(names)), names)
        axes.set_xlabel("minutes from notification to contact")

    def met(axes: Axes) -> None:
        names = [p.provider for p in figures.providers] or ["none"]
        met = [p.met for p in figures.providers] or [0]
        missed = [p.missed for p in figures.providers] or [0]
        axes.bar(names, met, color=BLUE, label="met")
        axes.bar(names, missed, bottom=met, color=RED, label="missed")
        axes.legend()
        axes.set_ylabel("contact deadlines")

    images = [
        (f"Time to contact by provider ({deadline_minutes:g}-minute line)", _chart(contact)),
        ("Contact deadlines met and missed", _chart(met, height=2.6)),
    ]
    for (heading, values), (colour, label) in zip(_sections(figures), _SECTION_STYLE, strict=True):
        images.append((heading, _chart(_bars_of(values, colour, label))))
    return images


def _bars_of(values: Mapping[str, float], colour: str, label: str) -> Callable[[Axes], None]:
    return lambda axes: _bars(axes, values, colour, label)


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if not ordered:
        return 0.0
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
