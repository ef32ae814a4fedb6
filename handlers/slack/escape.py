"""Make what people type safe to post in Slack mrkdwn.

`<!channel>`, `<!here>`, `<@U123>` and `<https://x|y>` only work with angle brackets, so escaping
`& < >` defuses every ping and hidden link. Bare URLs are defanged (hxxp, [.]) as incident
responders do with indicators of compromise: a malicious link in a description must never become
a clickable link in the channel.
"""

from __future__ import annotations

from bot.views.indicators import defang
from handlers.slack.render.budget import SECTION_TEXT, cut


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_text(text: str, limit: int = SECTION_TEXT) -> str:
    """Escape and defang text a person typed. Past `limit` it is cut with a visible mark (the
    whole text is on the timeline); renderers still budget the text they compose from it."""
    return cut(defang(escape(text)), limit)
