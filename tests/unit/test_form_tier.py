"""A form's work (`spawn_form`) starts at once however busy the loop is: answers that never
pause, the ladder firing, a queue of card refreshes. On a virtual clock (tests/virtual_time.py):
the start times are the loop's own, exact whatever the machine is doing."""

from __future__ import annotations

import asyncio

from handlers.tasks import BackgroundTasks
from tests.virtual_time import virtual_time

TRIGGER_SECONDS = 3.0  # Slack refuses a trigger id this long after the press


@virtual_time
async def test_a_form_opens_at_once_behind_queued_cards_and_answers_that_never_pause() -> None:
    """Forty card refreshes of 0.2 s each trickle one at a time while the ladder fires: as
    ordinary work, a form queued behind them would start 8 s later, its trigger long gone."""
    tasks = BackgroundTasks(max_wait=0.3)
    tasks.also_busy_when(lambda: True)  # the contact ladder firing
    loop = asyncio.get_running_loop()
    started: dict[str, float] = {}

    async def card_refresh(i: int) -> None:
        started.setdefault(f"card {i}", loop.time())
        await asyncio.sleep(0.2)

    async def form() -> None:
        started["form"] = loop.time()

    async def answers(n: int) -> None:  # back to back, never a pause of `settle`
        for _ in range(n):
            async with tasks.answering():
                await asyncio.sleep(0.001)

    answering = asyncio.ensure_future(answers(5000))
    for i in range(40):
        tasks.spawn(card_refresh(i))
    await asyncio.sleep(0.5)  # the cards have begun trickling
    pressed = loop.time()
    tasks.spawn_form(form())
    await asyncio.sleep(0.01)
    assert started["form"] - pressed < 0.01
    await answering
    await tasks.drain(within=60)
    assert len(started) == 41  # the cards were not dropped, only passed
    assert max(t for k, t in started.items() if k != "form") > pressed + TRIGGER_SECONDS


@virtual_time
async def test_a_form_being_opened_counts_as_people_waiting() -> None:
    """While a form is on its way the scheduler holds back emails and follow-ups
    (`people_waiting`), as for an answer or a page."""
    tasks = BackgroundTasks()
    release = asyncio.Event()
    seen: list[bool] = []

    async def form() -> None:
        seen.append(tasks.people_waiting())
        await release.wait()

    tasks.spawn_form(form())
    await asyncio.sleep(0)
    assert seen == [True]
    release.set()
    await tasks.drain(within=1)
    assert not tasks.people_waiting()


@virtual_time
async def test_a_failing_form_is_told_to_the_person(caplog) -> None:
    tasks = BackgroundTasks()
    told: list[str] = []

    async def tell(words: str) -> None:
        told.append(words)

    async def form() -> None:
        raise RuntimeError("views.open refused")

    tasks.when_failed(tell)
    tasks.spawn_form(form())
    await tasks.drain(within=1)
    assert len(told) == 1
    assert any("background task failed" in r.getMessage() for r in caplog.records)
