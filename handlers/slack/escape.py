"""Make what people type safe to post in Slack mrkdwn.

The core sanitiser (`bot.views.sanitise`) removes control and bidi characters, defangs links and
neutralises mentions, as it does for every output; on top, `<!channel>`, `<!here>`, `<@U123>`
and `<https://x|y>` only work with angle brackets, so escaping `& < >` defuses whatever Slack
syntax is left.
"""

from __future__ import annotations

from bot.views.sanitise import sanitise


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def user_text(text: str, limit: int = 2900) -> str:
    """Sanitise and escape text a person typed, and keep it inside Slack's block text limit."""
    safe = escape(sanitise(text))
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"
