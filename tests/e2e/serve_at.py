"""`python -m bot serve` with the process's clock moved to the instant given in argv[1] (ISO
8601), ticking on from there, so the end-to-end test can start the service again "minutes
later" without waiting for minutes to pass, and without any seconds to race.

time_machine moves what the service reads the time from (datetime.now, time.time: the
SystemClock and APScheduler); the event loop keeps its real monotonic clock.

Usage: DATABASE_URL=... python tests/e2e/serve_at.py 2026-12-04T17:00:00+00:00
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import time_machine

from bot.app.cli import main

if __name__ == "__main__":
    with time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=True):
        code = main(["serve"])
    sys.exit(code)
