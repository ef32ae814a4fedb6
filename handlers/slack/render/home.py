"""App Home: the open incidents at a glance."""

from __future__ import annotations

from typing import Any

from bot.views.headline import MonthHeadline
from bot.views.home import HomeRow
from handlers.slack.escape import user_text
from handlers.slack.render.budget import SECTION_TEXT, cut
from handlers.slack.render.common import Block, mrkdwn, plain, slack_time

SHOWN = 45  # rows, one block each, inside the Home tab's 100 blocks


def headline_blocks(headline: MonthHeadline) -> list[Block]:
    median = "—" if headline.median_minutes is None else f"{headline.median_minutes:g} min"
    return [
        {"type": "header", "text": plain(f"{headline.month} so far")},
        {
            "type": "section",
            "fields": [
                mrkdwn(f"*Incidents*\n{headline.incidents}"),
                mrkdwn(f"*Contact deadlines met*\n{headline.met}"),
                mrkdwn(f"*Contact deadlines missed*\n{headline.missed}"),
                mrkdwn(f"*Median time to contact*\n{median}"),
            ],
        },
        {"type": "divider"},
    ]


def home_view(rows: list[HomeRow], headline: MonthHeadline | None = None) -> dict[str, Any]:
    blocks: list[Block] = headline_blocks(headline) if headline else []
    blocks.append({"type": "header", "text": plain("Open cyber incidents")})
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
