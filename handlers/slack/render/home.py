"""App Home: the open incidents at a glance."""

from __future__ import annotations

from typing import Any

from bot.views.home import HomeRow
from handlers.slack.escape import user_text
from handlers.slack.render.budget import SECTION_TEXT, cut
from handlers.slack.render.common import Block, mrkdwn, plain, slack_time

SHOWN = 45  # rows, one block each, inside the Home tab's 100 blocks


def home_view(rows: list[HomeRow]) -> dict[str, Any]:
    blocks: list[Block] = [{"type": "header", "text": plain("Open cyber incidents")}]
    if not rows:
        blocks.append({"type": "section", "text": mrkdwn("No open incidents.")})
    for row in rows[:SHOWN]:
        due = (
            f"{row.next_deadline[0]}: {slack_time(row.next_deadline[1])}"
            if row.next_deadline
            else "—"
        )
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(
                    cut(
                        f"*{row.reference}* · {user_text(row.council)} · _{row.marking}_\n"
                        f"{row.state} · open {row.age} · next: {due}",
                        SECTION_TEXT,
                    )
                ),
            }
        )
    if len(rows) > SHOWN:
        blocks.append({"type": "context", "elements": [mrkdwn(f"and {len(rows) - SHOWN} more")]})
    return {"type": "home", "blocks": blocks}
