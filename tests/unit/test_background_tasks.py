"""BackgroundTasks' tiers. Each test runs on a loop with a virtual clock (tests/virtual_time.py):
`max_wait`, `settle` and the sleeps are measured by the loop's own time, exactly, so a busy
machine changes nothing."""

import asyncio

import pytest

from handlers.tasks import BackgroundTasks
from tests.virtual_time import virtual_time


@virtual_time
async def test_at_most_limit_tasks_run_at_once_and_drain_waits_for_all() -> None:
    tasks = BackgroundTasks(limit=2)
    running, peak, done = 0, 0, []

    async def work(i: int) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        done.append(i)

    for i in range(10):
        tasks.spawn(work(i))
    await tasks.drain(within=5)
    assert peak == 2
    assert sorted(done) == list(range(10))
    assert len(tasks) == 0


@virtual_time
async def test_a_failing_task_is_logged_and_does_not_stop_the_others(caplog) -> None:
    tasks = BackgroundTasks(limit=1)
    done = []

    async def boom() -> None:
        raise RuntimeError("slack down")

    async def fine() -> None:
        done.append(True)

    tasks.spawn(boom())
    tasks.spawn(fine())
    await tasks.drain(within=5)
    assert done == [True]
    assert any("background task failed" in r.getMessage() for r in caplog.records)


@virtual_time
async def test_ordinary_work_starts_once_the_answers_in_flight_are_written() -> None:
    tasks = BackgroundTasks(max_wait=5)
    started: list[str] = []

    async def work(name: str) -> None:
        started.append(name)

    async with tasks.answering():
        tasks.spawn(work("modal"))
        tasks.spawn(work("page"), urgent=True)
        async with tasks.answering():  # another request arrives meanwhile
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.05)
        assert started == ["page"]  # the page does not wait for anyone
    await tasks.drain(within=1)
    assert started == ["page", "modal"]


@virtual_time
async def test_under_sustained_answers_ordinary_work_waits_at_most_max_wait() -> None:
    """Answers that never pause (one request after another) must not starve a card refresh:
    it starts `max_wait` after it was queued, by the loop's clock, while answers go on."""
    tasks = BackgroundTasks(max_wait=0.1)
    started: list[float] = []
    loop = asyncio.get_running_loop()

    async def work() -> None:
        started.append(loop.time())

    async with tasks.answering():
        begun = loop.time()
        tasks.spawn(work())
        await asyncio.sleep(0.0999)
        assert started == []  # not before max_wait
        await asyncio.sleep(0.5)
        assert started == [pytest.approx(begun + 0.1)]  # at max_wait, the answer still in progress


@virtual_time
async def test_while_the_ladder_fires_ordinary_work_runs_one_at_a_time() -> None:
    tasks = BackgroundTasks(limit=4, max_wait=0)
    ladder_firing = True
    tasks.also_busy_when(lambda: ladder_firing)
    running, peak = 0, 0

    async def card_refresh() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    for _ in range(6):
        tasks.spawn(card_refresh())
    await tasks.drain(within=5)
    assert peak == 1

    ladder_firing, peak = False, 0
    for _ in range(6):
        tasks.spawn(card_refresh())
    await tasks.drain(within=5)
    assert peak == 4


@virtual_time
async def test_a_page_in_progress_means_people_are_waiting() -> None:
    tasks = BackgroundTasks()
    seen: list[bool] = []
    release = asyncio.Event()

    async def page() -> None:
        seen.append(tasks.people_waiting())
        await release.wait()

    assert not tasks.people_waiting()
    tasks.spawn(page(), urgent=True)
    await asyncio.sleep(0)
    assert seen == [True]
    assert tasks.people_waiting()
    release.set()
    await tasks.drain(within=1)
    assert not tasks.people_waiting()


@virtual_time
async def test_work_right_after_an_answer_runs_before_ordinary_work_and_drain_sees_it() -> None:
    tasks = BackgroundTasks(max_wait=5)
    order: list[str] = []

    async def work(name: str) -> None:
        await asyncio.sleep(0.01)
        order.append(name)

    async def request() -> None:
        async with tasks.answering():
            tasks.spawn(work("card"))
            tasks.right_after_answer(work("page"))
            order.append("answer written")

    handling = asyncio.ensure_future(request())
    await asyncio.sleep(0)
    await tasks.drain(within=2)
    await handling
    assert order == ["answer written", "page", "card"]
    tasks.right_after_answer(work("outside a request"))  # spawned as urgent work instead
    await tasks.drain(within=2)
    assert order[-1] == "outside a request"


@virtual_time
async def test_a_page_right_after_an_answer_holds_its_request_for_hold_at_most() -> None:
    """aiohttp reads a connection's next request once the handler returns: a page stuck behind
    the database must not hold that request past `hold` (with its own 2-second window its
    answer would come after Slack's 3 s), and the page still goes out, urgent, after it."""
    tasks = BackgroundTasks(hold=0.5)
    release = asyncio.Event()
    order: list[str] = []
    loop = asyncio.get_running_loop()

    async def page() -> None:
        await release.wait()
        order.append("page sent")

    async def request() -> None:
        async with tasks.answering():
            tasks.right_after_answer(page())

    start = loop.time()
    await asyncio.wait_for(request(), timeout=1)
    assert loop.time() - start == pytest.approx(0.5)
    assert order == []
    assert tasks.people_waiting()  # the page is still urgent work in progress
    release.set()
    await tasks.drain(within=1)
    assert order == ["page sent"]
    assert not tasks.people_waiting()


@virtual_time
async def test_pages_that_outlast_their_hold_run_in_the_urgent_slots() -> None:
    """Past `hold` the connection's next request is read and its page queued too: with Slack
    stuck, pages must not pile up beyond the urgent slots (each would hold a database
    connection), and once it answers they go out in the order the answers were given."""
    tasks = BackgroundTasks(hold=0.5, urgent_limit=2)
    release = asyncio.Event()
    running, peak, sent = 0, 0, []

    async def page(n: int) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1
        sent.append(n)

    async def request(n: int) -> None:
        async with tasks.answering():
            tasks.right_after_answer(page(n))

    for n in range(5):  # one connection: each request read once the previous one returned
        await asyncio.wait_for(request(n), timeout=1)
    assert (running, peak) == (2, 2)
    release.set()
    await tasks.drain(within=1)
    assert sent == [0, 1, 2, 3, 4]
    assert peak == 2
