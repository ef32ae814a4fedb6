"""Environment settings: secrets and endpoints come from the environment, policy from config/."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.domain.exercise import MAX_SPEED
from bot.policy.errors import ConfigError

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


@dataclass(frozen=True)
class Settings:
    port: int
    host: str
    database_url: str
    config_dir: Path
    auto_migrate: bool
    contact_deadline: str | None
    slack_bot_token: str
    slack_signing_secret: str
    slack_api_url: str
    teams_app_id: str
    teams_app_password: str
    notify_api_key: str
    notify_base_url: str
    notify_email_template_id: str
    notify_sms_template_id: str
    notify_file_template_id: str
    public_url: str
    log_level: str
    environment: str = ""
    timeline_key: str = ""
    timeline_key_file: str = ""
    metrics_token: str = ""  # when set, /metrics answers only "Authorization: Bearer <it>"
    exercise: bool = False  # CIR_EXERCISE: everything marked EXERCISE (bot.domain.exercise)
    speed: float = 1.0  # CIR_SPEED: the service's clock runs this many times faster
    teams_tenant_id: str = ""  # MICROSOFT_APP_TENANT_ID: a single-tenant bot's own tenant
    teams_openid_metadata_url: str = ""  # MICROSOFT_OPENID_METADATA_URL ("" = Bot Framework's)
    teams_token_url: str = ""  # MICROSOFT_TOKEN_URL ("" = Entra's, for the tenant if set)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def production(self) -> bool:
        """Production is CIR_ENV=production, or any PostgreSQL database: the embedded SQLite
        default is for trying the service out; whoever runs PostgreSQL runs it for real."""
        if self.environment.lower() == "production":
            return True
        scheme = self.database_url.strip().split(":", 1)[0].split("+", 1)[0].lower()
        return scheme in {"postgres", "postgresql"}

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id and self.teams_app_password)

    def __repr__(self) -> str:  # never print secrets, even by accident
        return f"Settings(port={self.port}, config_dir={self.config_dir!s})"


def _bool(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError("(environment)", key, f"{raw!r} is not a yes/no value", "set it to 1 or 0")


def _speed(env: Mapping[str, str]) -> float:
    raw = env.get("CIR_SPEED", "").strip()
    if not raw:
        return 1.0
    try:
        speed = float(raw.lower().removesuffix("x"))
    except ValueError:
        speed = 0.0
    if not 1 <= speed <= MAX_SPEED:
        raise ConfigError(
            "(environment)",
            "CIR_SPEED",
            f"{raw!r} is not a speed",
            f"set a number from 1 (real time) to {MAX_SPEED:g}, e.g. 10 for a 30-minute "
            "deadline in 3 minutes",
        )
    return speed


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    if env.get("NOTIFY_API_KEY") and not (
        env.get("NOTIFY_EMAIL_TEMPLATE_ID") and env.get("NOTIFY_SMS_TEMPLATE_ID")
    ):
        raise ConfigError(
            "(environment)",
            "NOTIFY_EMAIL_TEMPLATE_ID / NOTIFY_SMS_TEMPLATE_ID",
            "NOTIFY_API_KEY is set but a template id is missing",
            "create the generic email ((subject)) ((body)) and SMS ((body)) templates in Notify "
            "and set both ids",
        )
    raw_port = env.get("PORT", "3000")
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        raise ConfigError("(environment)", "PORT", f"{raw_port!r} is not a port", "set 1-65535")
    return Settings(
        port=int(raw_port),
        host=env.get("HOST", "0.0.0.0"),  # noqa: S104 - a container listens on all interfaces
        database_url=env.get("DATABASE_URL", ""),
        config_dir=Path(env.get("CIR_CONFIG_DIR") or DEFAULT_CONFIG_DIR),
        auto_migrate=_bool(env, "CIR_AUTO_MIGRATE", True),
        contact_deadline=env.get("CIR_CONTACT_DEADLINE") or None,
        slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
        slack_api_url=env.get("SLACK_API_URL", "https://slack.com/api/"),
        teams_app_id=env.get("MICROSOFT_APP_ID", ""),
        teams_app_password=env.get("MICROSOFT_APP_PASSWORD", ""),
        notify_api_key=env.get("NOTIFY_API_KEY", ""),
        notify_base_url=env.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
        notify_email_template_id=env.get("NOTIFY_EMAIL_TEMPLATE_ID", ""),
        notify_sms_template_id=env.get("NOTIFY_SMS_TEMPLATE_ID", ""),
        notify_file_template_id=env.get("NOTIFY_FILE_TEMPLATE_ID", ""),
        public_url=env.get("CIR_PUBLIC_URL", ""),
        log_level=env.get("LOG_LEVEL", "INFO").upper(),
        environment=env.get("CIR_ENV", ""),
        timeline_key=env.get("CIR_TIMELINE_KEY", ""),
        timeline_key_file=env.get("CIR_TIMELINE_KEY_FILE", ""),
        metrics_token=env.get("CIR_METRICS_TOKEN", ""),
        exercise=_bool(env, "CIR_EXERCISE", False),
        speed=_speed(env),
        teams_tenant_id=env.get("MICROSOFT_APP_TENANT_ID", ""),
        teams_openid_metadata_url=env.get("MICROSOFT_OPENID_METADATA_URL", ""),
        teams_token_url=env.get("MICROSOFT_TOKEN_URL", ""),
    )
