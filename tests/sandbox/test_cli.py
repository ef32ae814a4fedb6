"""`python -m sandbox`, as `scripts/run` starts it without credentials: it prints the page's
address, the bot answers its health check on the same port, and SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_sandbox_starts_prints_its_address_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NOTIFY_"))}
    env |= {"PYTHONPATH": str(ROOT), "CIR_SANDBOX_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        found = re.fullmatch(r"CIR sandbox: (http://localhost:\d+)/sandbox\n", line)
        assert found, line + (server.stderr.read() if server.stderr else "")
        root = found.group(1).replace("localhost", "127.0.0.1")
        with urllib.request.urlopen(f"{root}/healthz", timeout=10) as health:  # noqa: S310
            assert health.status == 200
        with urllib.request.urlopen(f"{root}/sandbox", timeout=10) as page:  # noqa: S310
            assert "CIR sandbox" in page.read().decode()
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    assert (tmp_path / "sandbox.db").is_file()  # its own database, not the service's
