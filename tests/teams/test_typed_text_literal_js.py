"""What a person typed reads on a Teams card exactly as they typed it (after the one
sanitiser): rendered by Microsoft's adaptivecards with a CommonMark Markdown processor that
allows HTML and finds links (markdown-it; tests/teams/js/render-text.mjs), the text shown is the
sanitised text, and none of it became a link, an image, code, emphasis, a heading, a list, a
table or a quote. The same text unescaped does become markup: the check can fail."""

from __future__ import annotations

from bot.views.sanitise import sanitise
from handlers.teams.render.escape import user_text
from tests.teams.catalogue import HOSTILE, NAME
from tests.teams.node import run

TYPED = {
    "hostile": HOSTILE,
    "name": NAME,
    "emphasis in words": "snake_case_name a*b*c __init__ **not bold** ~~not struck~~",
    "blocks": "# heading\n## sub\n> quote\n- dash\n+ plus\n* star\n1. one\n2) two\n---\n===\n",
    "setext": "Title\n===\nSubtitle\n---",
    "code": "```\nfenced\n```\n~~~\ntilde\n~~~\n    indented log line\n\tTabbed\n`inline`",
    "html": "<script>alert(1)</script><img src=x onerror=y> <!-- c --> <div>d</div>",
    "entities": "&amp; &lt; &#x41; &copy; AT&T",
    "links": "[a](b) [c][d]\n[d]: http://evil.example <https://x.example> www.evil.example",
    "images": "![alt](https://evil.example/i.png)",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |",
    "backslashes": "C:\\Users\\*\\ \\\\server\\share\\ ends with \\",
    "dates": "{{DATE(2026-01-01T00:00:00Z, SHORT)}} {{TIME(2026-01-01T00:00:00Z)}} ${x}",
    "mentions": "<at>Duty Manager</at> @here @channel <@U123> <!subteam^S1>",
    "emoji": "👩🏽‍💻🏛️⚠️ café naïve 中文 עברית",
}


def normalised(text: str) -> str:
    return " ".join(text.split())


def test_typed_text_is_shown_as_typed_and_never_as_markup() -> None:
    shown = run("render-text.mjs", {k: user_text(v, 100_000) for k, v in TYPED.items()})
    for name, typed in TYPED.items():
        assert normalised(shown[name]["text"]) == normalised(sanitise(typed)), name
        assert shown[name]["markup"] == [], name


def test_the_same_text_unescaped_would_be_markup() -> None:
    raw = {k: sanitise(v) for k, v in TYPED.items()}
    shown = run("render-text.mjs", raw)
    for name in ("emphasis in words", "blocks", "code", "html", "links", "table"):
        assert shown[name]["markup"], name
