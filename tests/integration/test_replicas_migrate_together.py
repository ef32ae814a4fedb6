"""Replicas started together on a new PostgreSQL database all come up: the migration takes a
database-wide advisory lock, so the others wait and then find the schema current. Before it,
two `serve` processes raced to create the same types and one exited (UniqueViolation)."""

from __future__ import annotations

import subprocess
import sys

from storage.database import parse_database_url
from storage.migrate import status

# Each process imports everything first, says "ready" and waits for "go" on its standard input,
# so that they reach the database together, as replicas a deployment starts at once do.
SCRIPT = """
import sys
from storage.database import parse_database_url
from storage.migrate import upgrade
target = parse_database_url(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
print(upgrade(target).current)
"""


def test_six_processes_migrating_one_new_database_all_succeed(pg_database_url: str) -> None:
    runs = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and script)
            [sys.executable, "-c", SCRIPT, pg_database_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    for run in runs:  # every interpreter has started and imported
        assert run.stdout is not None
        assert run.stdout.readline().strip() == "ready"
    for run in runs:  # go, all at once
        assert run.stdin is not None
        run.stdin.write("go\n")
        run.stdin.flush()
    outcomes = [run.communicate(timeout=120) for run in runs]
    errors = [err for run, (_, err) in zip(runs, outcomes, strict=True) if run.returncode != 0]
    assert errors == []
    target = parse_database_url(pg_database_url)
    assert {out.strip() for out, _ in outcomes} == {status(target).head}
    assert status(target).is_current
