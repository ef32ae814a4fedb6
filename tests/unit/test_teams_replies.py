"""A long Markdown document goes to Teams as messages each within its size limit, in order,
nothing lost; a single overlong line goes in pieces rather than sinking its message."""

from __future__ import annotations

import json

from handlers.teams.replies import REPORT_PART_BYTES, markdown_messages

TEAMS_LIMIT = 28_000


def test_a_long_report_is_split_at_line_ends_within_teams_limit() -> None:
    lines = [f"| {n} | Servers isolated at site {n} — “quoted” ✓ |" for n in range(2_000)]
    messages = markdown_messages("[OFFICIAL] CIR-2026-0001 report", "\n".join(lines))
    assert len(messages) > 1
    for n, message in enumerate(messages, 1):
        assert len(json.dumps(message, ensure_ascii=True)) < TEAMS_LIMIT
        assert message["text"].startswith(f"**[OFFICIAL] CIR-2026-0001 report** (part {n} of")
        assert message["textFormat"] == "markdown"
    body = [line for m in messages for line in m["text"].split("\n")[2:]]
    assert body == lines


def test_one_short_document_is_one_message() -> None:
    (message,) = markdown_messages("Report", "# Title\n\nText")
    assert message["text"] == "**Report**\n\n# Title\n\nText"


def test_an_overlong_line_is_sent_in_pieces_nothing_lost() -> None:
    messages = markdown_messages("Report", "é" * 100_000)
    assert len(messages) > 1
    for message in messages:
        assert len(json.dumps(message, ensure_ascii=True)) < REPORT_PART_BYTES + 1_000
    sent = "".join("".join(m["text"].split("\n")[2:]) for m in messages)
    assert sent == "é" * 100_000
