from bot.reporting.markdown import escape
from bot.views.indicators import defang
from handlers.slack.escape import user_text


def test_urls_and_hosts_are_defanged() -> None:
    assert defang("see https://evil.example/x and http://a.b.c") == (
        "see hxxps://evil[.]example/x and hxxp://a[.]b[.]c"
    )
    assert defang("www.evil.example") == "www[.]evil.example"
    assert defang("no links here.") == "no links here."


def test_report_markdown_and_slack_both_defang_typed_links() -> None:
    typed = "Phish from https://evil.example/login [click](https://evil.example)"
    markdown = escape(typed)
    assert "https://" not in markdown
    assert "hxxps://evil[.]example" in markdown.replace("\\", "")
    assert "](" not in markdown.replace("\\]", "")  # no Markdown link can form
    assert "https://" not in user_text(typed)
