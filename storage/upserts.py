"""A row written whether or not it exists yet, in one statement: INSERT … ON CONFLICT (its key)
DO UPDATE, on PostgreSQL and SQLite alike.

The ORM's way (read the row into the session, set its fields, flush) costs a round trip for
the read, then the flush's own bookkeeping, for rows that nothing in the transaction reads back
as objects: a referral writes four checklist items and its room two posted messages, an
activation and a contact each an engagement. Parameters are named `b_<column>`."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite


@functools.cache
def upsert(table: Table, keys: tuple[str, ...], fields: tuple[str, ...], dialect: str) -> Any:
    """Built once per table and database: `keys` are the conflict target (the primary key),
    `fields` what an existing row takes from the new one."""
    insert_of = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_of(table).values({c: bindparam(f"b_{c}") for c in (*keys, *fields)})
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys], set_={f: stmt.excluded[f] for f in fields}
    )


def params(values: dict[str, Any]) -> dict[str, Any]:
    """`values` by column, as the statement's parameters."""
    return {f"b_{column}": value for column, value in values.items()}
