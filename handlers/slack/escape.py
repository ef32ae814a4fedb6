"""Make what people type safe to post in Slack mrkdwn.

`<!channel>`, `<!here>`, `<@U123>` and `<https://x|y>` only work with angle brackets, so escaping
`& < >` defuses every ping and hidden link. Bare URLs are defanged (hxxp, [.]) as incident
responders do with indicators of compromise: a malicious link in a description must never become
a clickable link in the channel.
"""

from __future__ import annotations

from bot.views.indicators import defang


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_text(text: str, limit: int = 2900) -> str:
    """Escape and defang text a person typed, and keep it inside Slack's block text limit."""
    safe = defang(escape(text))
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"
