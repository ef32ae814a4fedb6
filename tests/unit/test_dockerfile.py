"""No Docker engine runs here, so the Dockerfile is checked the way a reviewer would read it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
LINES = [
    line.strip() for line in DOCKERFILE.splitlines() if line.strip() and not line.startswith("#")
]


def test_runs_as_a_non_root_user_in_the_final_stage() -> None:
    final_stage = DOCKERFILE.rsplit("FROM ", 1)[1]
    users = [line.split()[1] for line in final_stage.splitlines() if line.startswith("USER ")]
    assert users
    assert users[-1] not in {"root", "0"}


def test_base_images_are_pinned_to_a_version() -> None:
    for line in LINES:
        if line.startswith("FROM "):
            image = line.split()[1]
            assert ":" in image, line
            assert not image.endswith(":latest"), line


def test_copies_what_the_service_needs_and_no_secrets() -> None:
    for folder in ("bot", "handlers", "storage", "config"):
        assert f"COPY {folder} " in DOCKERFILE or f"COPY {folder}" in DOCKERFILE
    assert "COPY .env" not in DOCKERFILE
    assert "SLACK_BOT_TOKEN" not in DOCKERFILE
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored
    assert ".git" in ignored


def test_starts_the_service_and_checks_health() -> None:
    assert 'CMD ["python", "-m", "bot", "serve"]' in DOCKERFILE
    assert "HEALTHCHECK" in DOCKERFILE
    assert "/healthz" in DOCKERFILE
    assert "EXPOSE 3000" in DOCKERFILE
