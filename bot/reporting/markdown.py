"""The report as Markdown, with every string escaped so a description cannot add headings, links,
images or HTML to a document that is shared with MHCLG, NCSC and GC3."""

from __future__ import annotations

import re

from bot.reporting.model import Report
from bot.reporting.outline import Facts, Subheading, Table, outline, title
from bot.views.sanitise import sanitise

_INLINE = re.compile(r"([\\`*_\[\]#|~])")  # with [ ] escaped, ( ) and ! cannot form links
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")


def escape(text: str) -> str:
    """Plain text to inline Markdown: sanitised (links defanged so a link in a description is not
    live in the report shared with NCSC, mentions neutralised, control and bidi characters
    removed), HTML defused and Markdown's own characters backslashed."""
    text = sanitise(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _INLINE.sub(r"\\\1", text)


def escape_lines(text: str) -> str:
    """Multi-line text as hard-broken lines; no line can start a list, rule or heading."""
    first, *rest = [escape(line.strip()) for line in text.splitlines() if line.strip()] or ["-"]
    return "  \n".join([first, *(_LINE_START.sub(r"\1\\\2", line) for line in rest)])


def _cell(text: str) -> str:
    return escape(" ".join(text.split())) or " "


def _table(table: Table) -> list[str]:
    lines = [
        "| " + " | ".join(escape(c) for c in table.columns) + " |",
        "|" + "---|" * len(table.columns),
    ]
    lines.extend("| " + " | ".join(_cell(v) for v in row) + " |" for row in table.rows)
    return lines


def render_markdown(report: Report) -> str:
    marking = report.header.marking
    lines = [marking, "", f"# {escape(title(report))}", ""]
    for section in outline(report):
        lines += [f"## {escape(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Subheading):
                lines.append(f"### {escape(block.text)}")
            elif isinstance(block, Facts):
                lines.extend(f"- **{escape(k)}:** {escape_lines(v)}" for k, v in block.pairs)
            else:
                lines.extend(_table(block))
            lines.append("")
    lines.append(marking)
    return "\n".join(lines) + "\n"
