import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app.container import build_container
from bot.app.server import build_web_app
from bot.app.settings import load_settings
from tests.factories import TIMELINE_KEY_TEXT

# Safety nets against a hang, not speed claims: importing and migrating took over 20 s on a
# machine under `stress --cpu 2` with a load average of 12.
STARTS_WITHIN, STOPS_WITHIN = 120.0, 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_health_and_readiness_over_http(database_url) -> None:
    container = build_container(
        load_settings({"DATABASE_URL": database_url, "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT})
    )
    async with TestClient(TestServer(build_web_app(container))) as client:
        alive = await client.get("/healthz")
        assert alive.status == 200
        assert (await alive.json())["status"] == "alive"
        assert alive.headers["X-Request-Id"]
        ready = await client.get("/readyz", headers={"X-Request-Id": "abc123"})
        body = await ready.json()
        assert ready.status == 200, body
        assert body["checks"] == {"database": "ok", "schema": "ok", "deadline_sweep": "ok"}
        assert 0 <= body["details"]["deadline_sweep_age_seconds"] < 6
        assert ready.headers["X-Request-Id"] == "abc123"


async def test_not_ready_when_schema_is_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    container = build_container(
        load_settings({"DATABASE_URL": url, "CIR_TIMELINE_KEY": TIMELINE_KEY_TEXT})
    )
    from sqlalchemy import create_engine, text

    engine = create_engine(container.target.sync_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
    engine.dispose()
    async with TestClient(TestServer(build_web_app(container))) as client:
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert "need" in (await ready.json())["checks"]["schema"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'cir.db'}", **extra})
    return env


def test_serve_starts_answers_and_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        env=_env(tmp_path, PORT=str(port)),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + STARTS_WITHIN
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, f"not ready after {STARTS_WITHIN:g}s"
                time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=STOPS_WITHIN) == 0
        logs = proc.stderr.read() if proc.stderr else ""
        assert '"msg": "shutting down"' in logs  # JSON logs when not on a terminal
    finally:
        if proc.poll() is None:
            proc.kill()


def test_broken_config_stops_start_up_with_a_named_fix(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "councils.yml").write_text("councils: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env=_env(tmp_path, CIR_CONFIG_DIR=str(config)),
        capture_output=True,
        text=True,
        timeout=STARTS_WITHIN,
    )
    assert result.returncode == 2
    assert "cannot start" in result.stderr
    assert "Fix:" in result.stderr


def test_old_schema_without_auto_migrate_refuses_to_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env=_env(tmp_path, CIR_AUTO_MIGRATE="0"),
        capture_output=True,
        text=True,
        timeout=STARTS_WITHIN,
    )
    assert result.returncode == 2
    assert "refusing to start on an old schema" in result.stderr


def test_cli_help_lists_the_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("serve", "migrate", "verify-timeline"):
        assert command in out
