"""Claiming a Slack delivery's key: in its own short transaction on PostgreSQL, so it holds
across replicas; in the process's memory on SQLite.

SQLite has one writer and a commit costs an fsync (5.7 ms measured here); claiming every
request there put the answers to Slack in a queue behind each other and the background work
(`/cir report` p95 went from 8 ms to 254 ms). SQLite serves one process (README), so a claim in
memory is the same guarantee, except across a restart inside the five-minute window."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.delivery_models import SlackDeliveryRow

# Expired keys are swept at most this often per process, not on every request: the sweep is a
# second statement on the path of every answer to Slack.
SWEEP_EVERY_SECONDS = 60.0


class SqlDeliveryLog:
    def __init__(self, engine: AsyncEngine) -> None:
        # Each statement here stands alone (the insert is the claim; the sweep of expired keys
        # may go with or without it): in autocommit, a claim is one round trip instead of a
        # BEGIN, the insert and a COMMIT, on the path of every answer to Slack.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        # built once: it runs for every answer, and building it anew cost about as much as
        # sending it
        self._claim = (
            insert(SlackDeliveryRow)
            .values(key=bindparam("b_key"), expires_at=bindparam("b_expires_at"))
            .on_conflict_do_nothing(index_elements=[SlackDeliveryRow.key])
            .returning(SlackDeliveryRow.key)
        )
        self._swept_at: float | None = None

    async def claim(self, key: str, expires_at: datetime, now: datetime) -> bool:
        """INSERT … ON CONFLICT DO NOTHING: of two replicas given the same delivery at the same
        moment, exactly one inserts the row and goes on."""
        params = {"b_key": key, "b_expires_at": expires_at}
        async with self._engine.connect() as conn:
            if self._sweep_due():
                expired = delete(SlackDeliveryRow).where(SlackDeliveryRow.expires_at < now)
                await conn.execute(expired)
            inserted = (await conn.execute(self._claim, params)).scalar_one_or_none()
        return inserted is not None

    async def release(self, key: str) -> None:
        async with self._engine.connect() as conn:
            await conn.execute(delete(SlackDeliveryRow).where(SlackDeliveryRow.key == key))

    def _sweep_due(self) -> bool:
        # monotonic, not the injected clock: this paces housekeeping, it decides nothing
        tick = time.monotonic()
        if self._swept_at is not None and tick - self._swept_at < SWEEP_EVERY_SECONDS:
            return False
        self._swept_at = tick
        return True


class MemoryDeliveryLog:
    """The same claims for a single process (the SQLite default): a dict of keys and their
    expiry, swept of expired keys at most every `SWEEP_EVERY_SECONDS`."""

    def __init__(self) -> None:
        self._keys: dict[str, datetime] = {}
        self._swept_at: float | None = None

    async def claim(self, key: str, expires_at: datetime, now: datetime) -> bool:
        tick = time.monotonic()
        if self._swept_at is None or tick - self._swept_at >= SWEEP_EVERY_SECONDS:
            self._swept_at = tick
            self._keys = {k: until for k, until in self._keys.items() if until >= now}
        if key in self._keys:
            return False
        self._keys[key] = expires_at
        return True

    async def release(self, key: str) -> None:
        self._keys.pop(key, None)
