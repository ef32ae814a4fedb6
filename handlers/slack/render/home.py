"""App Home: the open incidents at a glance."""

from __future__ import annotations

from typing import Any

from bot.views.home import HomeRow
from handlers.slack.render.common import Block, mrkdwn, plain, slack_time


def home_view(rows: list[HomeRow]) -> dict[str, Any]:
    blocks: list[Block] = [{"type": "header", "text": plain("Open cyber incidents")}]
    if not rows:
        blocks.append({"type": "section", "text": mrkdwn("No open incidents.")})
    for row in rows[:45]:  # App Home allows 100 blocks
        due = (
            f"{row.next_deadline[0]}: {slack_time(row.next_deadline[1])}"
            if row.next_deadline
            else "—"
        )
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(
                    f"*{row.reference}* · {row.council} · _{row.marking}_\n"
                    f"{row.state} · open {row.age} · next: {due}"
                ),
            }
        )
    if len(rows) > 45:
        blocks.append({"type": "context", "elements": [mrkdwn(f"and {len(rows) - 45} more")]})
    return {"type": "home", "blocks": blocks}
