"""Telling "the database is unavailable" apart from a bug, and whether anything was stored.

A failure reaching the database (refused connection, a connection dropped by a restart, a pool
that waited in vain) is not the person's fault and not a bug: they are told, in plain words,
that their action could not be saved and may be tried again. `commits` counts the units of
work committed in the current task (each task runs in its own copy of the context), so a
failure can say truthfully whether part of an action was already stored.
"""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import exc as sa

commits: ContextVar[int] = ContextVar("storage_commits", default=0)


def is_unavailable(error: BaseException) -> bool:
    """The database could not be reached or went away mid-statement (the error, or what it
    was raised from)."""
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        if isinstance(found, sa.DBAPIError) and found.connection_invalidated:
            return True
        if isinstance(found, _UNAVAILABLE):
            return True
        found = found.__cause__ or found.__context__
    return False


_UNAVAILABLE = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.TimeoutError,
    ConnectionError,
    OSError,
    TimeoutError,
)
