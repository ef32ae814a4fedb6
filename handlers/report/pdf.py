"""The post-incident report as an A4 PDF with the classification marking on every page.

fpdf2's core fonts need no font files (nothing to bundle, nothing to download) but encode only
latin-1, so every string is sanitised first: typographic punctuation becomes ASCII, accented
letters outside latin-1 lose the accent, and anything else becomes '?'. Rows are wrapped and drawn
here rather than with fpdf's table helper, which is several times too slow for a 2,000-event
timeline.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF

from bot.reporting.model import Report
from bot.reporting.outline import Facts, Subheading, Table, outline, title
from bot.views.sanitise import sanitise as core_sanitise

FONT = "Helvetica"
SIZE = 8.5
LINE = 4.2
_PUNCTUATION = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‒": "-",
        "−": "-",
        "…": "...",
        "•": "*",
        "→": "->",
        "\u00a0": " ",
        "\t": " ",
        "\r": "",
    }
)


def sanitise(text: str) -> str:
    """Text a core PDF font can encode (latin-1), keeping line breaks, after the core sanitiser:
    a PDF viewer turns a typed URL into a live link, and this report goes to NCSC and GC3."""
    out: list[str] = []
    for ch in core_sanitise(text).translate(_PUNCTUATION):
        if ch == "\n" or (ch.isprintable() and ord(ch) < 256):
            out.append(ch)
            continue
        base = "".join(
            c
            for c in unicodedata.normalize("NFKD", ch)
            if c.isprintable() and ord(c) < 128 and not unicodedata.combining(c)
        )
        out.append(base or ("" if unicodedata.category(ch).startswith("C") else "?"))
    return "".join(out)


class _Document(FPDF):
    def __init__(self, marking: str, heading: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.marking = sanitise(marking)
        self.heading = sanitise(heading)
        self.set_margins(15, 18, 15)
        self.set_auto_page_break(True, margin=18)
        self.repeat: tuple[Sequence[str], Sequence[float]] | None = None

    def header(self) -> None:
        self.set_font(FONT, "B", 9)
        self.set_xy(self.l_margin, 7)
        self.cell(self.epw / 2, 5, self.marking)
        self.set_font(FONT, "", 8)
        self.cell(self.epw / 2, 5, self.heading, align="R")
        self.set_xy(self.l_margin, self.t_margin)
        if self.repeat is not None:  # a table that runs on gets its column headings again
            self.row(*self.repeat, bold=True)

    def footer(self) -> None:
        self.set_xy(self.l_margin, -12)
        self.set_font(FONT, "B", 9)
        self.cell(self.epw / 2, 5, self.marking)
        self.set_font(FONT, "", 8)
        self.cell(self.epw / 2, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    # -- layout ---------------------------------------------------------------------------------
    def wrap(self, text: str, width: float) -> list[str]:
        assert self.current_font is not None
        widths: Any = self.current_font.cw  # core fonts: character -> width in 1/1000 em
        scale = self.font_size / 1000

        def measure(s: str) -> float:
            return float(sum(widths.get(c, 600) for c in s)) * scale

        usable = width - 2 * self.c_margin
        lines: list[str] = []
        for paragraph in sanitise(text).split("\n"):
            current = ""
            for word in paragraph.split(" "):
                candidate = f"{current} {word}" if current else word
                if measure(candidate) <= usable:
                    current = candidate
                    continue
                if current:
                    lines.append(current)
                while measure(word) > usable:  # a word wider than the column is cut
                    cut = max(
                        1,
                        next(i for i in range(1, len(word) + 1) if measure(word[:i]) > usable) - 1,
                    )
                    lines.append(word[:cut])
                    word = word[cut:]
                current = word
            lines.append(current)
        return lines or [""]

    def row(
        self,
        cells: Sequence[str],
        widths: Sequence[float],
        *,
        bold: bool = False,
        border: bool = True,
    ) -> None:
        """One row, continued on the next page when it does not fit in the space left."""
        self.set_font(FONT, "B" if bold else "", SIZE)
        wrapped = [self.wrap(c, w) for c, w in zip(cells, widths, strict=True)]
        total = max(len(lines) for lines in wrapped)
        full_page = math.floor((self.page_break_trigger - self.t_margin) / LINE) - 4
        start = 0
        while start < total:
            room = math.floor((self.page_break_trigger - self.get_y()) / LINE)
            if room < 1 or (start == 0 and room < total <= full_page):
                self.add_page()
                self.set_font(FONT, "B" if bold else "", SIZE)
                continue
            count = min(room, total - start)
            top, x = self.get_y(), self.l_margin
            for lines, width in zip(wrapped, widths, strict=True):
                if border:
                    self.set_fill_color(230, 230, 230)
                    self.rect(x, top, width, count * LINE, style="DF" if bold else "D")
                for i, line in enumerate(lines[start : start + count]):
                    self.set_xy(x, top + i * LINE)
                    self.cell(width, LINE, line)
                x += width
            self.set_xy(self.l_margin, top + count * LINE)
            start += count

    def section(self, text: str) -> None:
        if self.get_y() > self.page_break_trigger - 25:
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.cell(self.epw, 7, sanitise(text), new_x="LMARGIN", new_y="NEXT")

    def grid(self, table: Table) -> None:
        scale = self.epw / sum(table.widths)
        widths = [w * scale for w in table.widths]
        self.row(table.columns, widths, bold=True)
        self.repeat = (table.columns, widths)
        for cells in table.rows:
            self.row(cells, widths)
        self.repeat = None
        self.ln(2)


def render_pdf(report: Report) -> bytes:
    heading = title(report)
    pdf = _Document(report.header.marking, heading)
    pdf.set_title(sanitise(heading))
    pdf.set_creator("CIR bot")
    # the report's own time, not the clock's: the same version renders to the same bytes, so a
    # share can send it again and prove it is the file recorded (its SHA-256) at generation
    pdf.set_creation_date(report.header.generated_at)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(pdf.epw, 10, sanitise(heading), new_x="LMARGIN", new_y="NEXT")
    for section in outline(report):
        pdf.section(section.title)
        for block in section.blocks:
            if isinstance(block, Subheading):
                pdf.set_font(FONT, "B", 10)
                pdf.cell(pdf.epw, 6, sanitise(block.text), new_x="LMARGIN", new_y="NEXT")
            elif isinstance(block, Facts):
                for label, value in block.pairs:
                    pdf.row((label, value), (pdf.epw * 0.3, pdf.epw * 0.7), border=False)
                pdf.ln(1)
            else:
                pdf.grid(block)
    return bytes(pdf.output())
