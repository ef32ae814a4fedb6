"""Make what people type safe to post in Slack mrkdwn.

The core sanitiser (`bot.views.sanitise`) removes control and bidi characters, defangs links and
neutralises mentions, as it does for every output; on top, `<!channel>`, `<!here>`, `<@U123>`
and `<https://x|y>` only work with angle brackets, so escaping `& < >` defuses whatever Slack
syntax is left.
"""

from __future__ import annotations

from bot.views.sanitise import sanitise
from handlers.slack.render.budget import SECTION_TEXT, cut


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_text(text: str, limit: int = SECTION_TEXT) -> str:
    """Sanitise and escape text a person typed. Past `limit` it is cut with a visible mark (the
    whole text is on the timeline); renderers still budget the text they compose from it."""
    return cut(escape(sanitise(text)), limit)
