"""What the Slack room keeps per incident goes when the incident closes: a replica running for
months must not hold two locks and a channel binding for every incident it ever handled. And
App Home reads every open incident's deadlines in one query, not one per incident."""

from __future__ import annotations

from sqlalchemy import event

from bot.domain.states import State
from bot.views.home import open_incidents
from tests.factories import ASSESSOR as WITHDRAWER
from tests.integration.slack_harness import ASSESSOR, SlackEnv, referral_submission


async def referred(env: SlackEnv, count: int) -> list[str]:
    for _ in range(count):
        status, _ = await env.send(referral_submission())
        assert status == 200
    return [i.id for i in await env.incidents()]


def kept(env: SlackEnv) -> dict[str, int]:
    deps = env.container.slack
    assert deps is not None, "the harness builds the Slack edge"
    room = deps.room
    return {
        "locks": len(room._locks),
        "channels": len(room._channels),
        "topics": len(room._topics),
        "refreshes": len(room._refresh_asked) + len(room._refresh_done),
        "refusals": len(room.refusals._last),
    }


async def test_a_closed_incident_leaves_nothing_behind_in_the_room(slack_env) -> None:
    env = slack_env
    incident_ids = await referred(env, 4)
    deps = env.container.slack
    assert deps is not None, "the harness builds the Slack edge"
    room = deps.room
    for incident_id in incident_ids:
        assert await room.channel(incident_id) is not None  # what escalations look up
    during = kept(env)
    assert during["channels"] == 4
    assert during["locks"] == 0
    assert during["refreshes"] == 0

    for incident_id in incident_ids:  # withdrawn, as declining support does, then redrawn
        async with env.container.uow() as uow:
            incident = await uow.incidents.get_for_update(incident_id)
            assert incident is not None
            incident.move_to(State.WITHDRAWN, WITHDRAWER, env.clock.now(), reason="Test ended.")
            await uow.commit()
        await room.refresh(incident_id)
    assert kept(env) == dict.fromkeys(during, 0)
    # a later look-up still works: it reads the binding again
    assert await room.channel(incident_ids[0]) is not None


async def test_app_home_reads_the_deadlines_of_every_open_incident_in_one_query(slack_env) -> None:
    env = slack_env
    await referred(env, 1)
    one = await statements_for_home(env)
    await referred(env, 4)
    five = await statements_for_home(env)
    assert five[1] == 5
    assert one[1] == 1
    assert five[0] == one[0]  # the same statements, however many incidents are open


async def statements_for_home(env: SlackEnv) -> tuple[int, int]:
    container = env.container
    assert container.slack is not None, "the harness builds the Slack edge"
    viewer = await container.slack.identity.actor(ASSESSOR)
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    engine = container.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        rows = await open_incidents(container.uow(), container.ctx, viewer)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), len(rows)
