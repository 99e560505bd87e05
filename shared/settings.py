"""Every setting of every service, in one place, read from environment variables.

The variable name is the field name in upper case (``AMQP_URL``, ``MONGO_URL`` ...). Defaults are
the embedded mode's: one process, in-memory bus, a SecantusDB child process under ``DATA_DIR``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # --- infrastructure -------------------------------------------------------------------
    amqp_url: str | None = Field(
        default=None,
        description="RabbitMQ URL. Unset in embedded mode means the in-memory bus.",
    )
    mongo_url: str | None = Field(
        default=None,
        description="MongoDB URL. Unset in embedded mode starts a SecantusDB child process. "
        "With SecantusDB add retryWrites=false.",
    )
    mongo_db_prefix: str = Field(
        default="volunteer_", description="Each service's database is <prefix><service>."
    )
    events_exchange: str = Field(
        default="volunteer.events", description="The durable topic exchange of domain events."
    )
    queue_prefix: str = Field(
        default="", description="Prefix for queue names (isolates test runs on one broker)."
    )
    bus_prefetch: int = Field(default=200, ge=1, le=1000)
    bus_concurrency: int = Field(
        default=16, ge=1, le=1000, description="Handlers running at once per consumer."
    )
    bus_retry_delays_ms: list[int] = Field(
        default=[1_000, 10_000, 60_000],
        description="Back-off before each retry of a failing message; after the last one the "
        "message is dead-lettered. Its length is the number of retries.",
    )
    outbox_batch_size: int = Field(default=200, ge=1, le=1000)
    outbox_poll_seconds: float = Field(
        default=1.0, gt=0, description="How often the relay looks for pending outbox entries "
        "when nothing woke it."
    )
    data_dir: Path = Field(default=Path(".data"), description="Embedded mode's data folder.")
    secantusdb_command: str = Field(
        default="secantusd-py", description="The SecantusDB server executable (embedded mode)."
    )

    # --- HTTP -----------------------------------------------------------------------------
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    # --- logging --------------------------------------------------------------------------
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto: console in embedded mode, JSON when distributed."
    )
    log_level: str = "INFO"

    # --- tokens ---------------------------------------------------------------------------
    jwt_private_key_file: Path | None = Field(
        default=None,
        description="PEM private key that identity signs tokens with. Unset: generated once "
        "under DATA_DIR.",
    )
    jwks_url: str | None = Field(
        default=None,
        description="Where other services fetch identity's public keys (distributed mode).",
    )
    jwt_issuer: str = "volunteer-platform"
    jwt_audience: str = "volunteer-platform-api"
    access_token_ttl_seconds: int = Field(default=900, ge=60)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=3600)

    # --- identity -------------------------------------------------------------------------
    admin_mobile: str | None = Field(
        default=None, description="Platform administrator created at start-up when set."
    )
    admin_password: str | None = None
    id_encryption_key: str | None = Field(
        default=None,
        description="Fernet key for ID numbers at rest. Unset: generated once under DATA_DIR.",
    )

    # --- domain ---------------------------------------------------------------------------
    timezone: str = Field(default="Asia/Shanghai", description="Service days are calendar "
                          "days in this time zone.")

    star_level_hours: list[int] = Field(
        default=[100, 300, 600, 1000, 1500],
        description="Total hours at which each star level (1★, 2★ ...) is reached.")

    # --- WeChat ---------------------------------------------------------------------------
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_app_id: str = "wx-dev-app"
    wechat_app_secret: str = "dev-secret"


@lru_cache
def get_settings() -> Settings:
    return Settings()
