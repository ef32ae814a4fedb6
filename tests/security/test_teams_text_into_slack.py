"""What a council types on Teams, mirrored into MHCLG's Slack channel through `/api/messages`,
end to end: Slack's mention syntax and links typed on Teams (or in a Teams display name) reach
Slack through the one sanitiser, never as a `<!channel>` ping or a `<@U…>` mention."""

from __future__ import annotations

import json

from bot.views.actions import Form
from tests.e2e.across_rig import AcrossEnv
from tests.e2e.across_rig import across_env as across_env  # the fixture
from tests.e2e.across_steps import activated

TYPED = "<!channel> <!here|here> <@U0123ABCD> <#C0123|triage> <https://evil.example|NCSC> done"


async def test_slack_markup_typed_on_teams_reaches_slack_defanged(across_env: AcrossEnv) -> None:
    env = across_env
    incident_id = await activated(env)
    channel = await env.slack_channel(incident_id)
    note = env.invoke(env.p.hackney, env.p.hana, Form.NOTE, incident_id, note=TYPED)
    note["from"]["name"] = "Hana <!everyone> <@U0999ZZZZ>"
    status, answer = await env.teams_post(note)
    assert status == 200, answer
    assert answer["type"] == "application/vnd.microsoft.card.adaptive", answer
    shown = json.dumps(env.slack_texts(channel))
    assert "evil" in shown  # the note did reach Slack ...
    for markup in ("<!channel>", "<!here", "<!everyone>", "<@U0123ABCD>", "<@U0999ZZZZ>",
                   "<#C0123", "<https://evil.example"):  # fmt: skip
        assert markup not in shown, markup  # ... as text, not as Slack markup
