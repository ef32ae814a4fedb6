"""/readyz's verdict on the deadline sweep: not ready once it has made no progress for three
sweeps, with its age reported either way."""

from __future__ import annotations

from bot.app.readiness import ServiceReadiness


async def database() -> dict[str, str]:
    return {"database": "ok", "schema": "ok"}


async def test_a_sweep_within_three_intervals_is_ready_and_its_age_reported() -> None:
    checks, details = await ServiceReadiness(database, lambda: 5.9, sweep_seconds=2.0)()
    assert checks["deadline_sweep"] == "ok"
    assert details["deadline_sweep_age_seconds"] == 5.9


async def test_a_sweep_stalled_for_three_intervals_is_not_ready() -> None:
    checks, details = await ServiceReadiness(database, lambda: 6.5, sweep_seconds=2.0)()
    assert checks["deadline_sweep"].startswith("no progress for 6s")
    assert details["deadline_sweep_age_seconds"] == 6.5


async def test_without_a_scheduler_the_sweep_is_not_judged() -> None:
    checks, details = await ServiceReadiness(database)()
    assert checks == {"database": "ok", "schema": "ok"}
    assert details == {}
