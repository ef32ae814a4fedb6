"""The platform-neutral core of the CIR bot.

`bot.domain`, `bot.usecases`, `bot.views`, `bot.policy` and `bot.ports` must never import Slack,
Teams, aiohttp or the storage layer: that keeps one core serving both chat platforms.
`bot.app` is the composition root and is the one place allowed to know everything.
"""
