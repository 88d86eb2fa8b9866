"""Every knob of partnerhub, read from the environment (``PARTNERHUB_*``) and from a
``.env`` file in the working folder (the environment wins). ``.env.example`` lists them
all; tests/core/test_settings_env.py keeps the two in step.

One class, passed in wherever it is needed (``build_app(settings)``), never a module
constant, so a test can build its own. Entry points call ``load_settings()``, which
turns a bad value into one line naming the variable and what it expects.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARTNERHUB_", extra="ignore", env_file=".env",
                                      env_file_encoding="utf-8", populate_by_name=True)

    # --- storage -------------------------------------------------------------------
    # DATABASE_URL is what Heroku, Render and most platforms set; ours wins when both are.
    database_url: str = Field(default="sqlite:///partnerhub.db", description="SQLAlchemy URL",
                              validation_alias=AliasChoices("PARTNERHUB_DATABASE_URL", "DATABASE_URL"))
    environment: str = Field(default="development", description="development | production")
    log_level: str = "INFO"
    # Fernet keys, newest first, comma separated (tokens at rest).
    secret_keys: SecretStr | None = None

    # --- time ----------------------------------------------------------------------
    as_of: date | None = Field(default=None, description="freezes 'today' for a whole process")

    # --- Slack ---------------------------------------------------------------------
    slack_api_url: str = "https://slack.com/api/"
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    slack_client_id: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_CLIENT_ID"))
    slack_client_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_CLIENT_SECRET")
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))

    # --- Webex ---------------------------------------------------------------------
    webex_api_url: str = "https://webexapis.com/v1"
    webex_token: SecretStr | None = None
    # Connector robustness (sources/webex.py): waits are seconds.
    webex_cdr_url: str = "https://analytics-calling.webexapis.com/v1"
    webex_timeout_s: float = Field(default=30.0, gt=0)
    webex_max_retries: int = Field(default=4, ge=0, le=20)  # on 5xx and timeouts
    webex_backoff_s: float = Field(default=1.0, ge=0)  # first backoff; doubles per retry
    webex_retry_after_default_s: float = Field(default=10.0, ge=0)  # 429/423 without Retry-After
    webex_retry_after_cap_s: float = Field(default=60.0, ge=0)  # longest single wait
    webex_max_rate_limit_waits: int = Field(default=10, ge=0)  # 429/423 answers per call
    webex_concurrency: int = Field(default=4, ge=1, le=32)  # requests in flight per token
    webex_sync_max_failures: int = Field(default=5, ge=1)  # organizations failing in a row stop a part
    webex_sync_resume_hours: float = Field(default=24.0, gt=0)  # an unfinished pass resumes within
    webex_cdr_initial_hours: int = Field(default=48, ge=1, le=720)  # first call-history backfill
    control_hub_url: str = "https://admin.webex.com"
    # A source family not read successfully for longer than this is stale: its figures
    # show as unknown (provenance.py), as if it were not connected.
    source_stale_days: int = Field(default=7, ge=1, le=365)

    # --- customer status thresholds (F1) --------------------------------------------
    expiring_soon_days: int = Field(default=30, ge=1, le=365)
    # False (default, the guide's reading): a line ending soon is expiring whether or not
    # it auto-renews, and the renewing table is the auto-renew part of it, trials included.
    # True (partnerhub's reading before): auto-renew paid lines are renewing, never
    # expiring, and trials never renew. Governs the expiring_soon status, the
    # "approaching expiration" and "upcoming renewal" KPIs, their tables and the alert.
    expiring_excludes_auto_renew: bool = False
    no_recent_activity_days: int = Field(default=30, ge=1, le=3650)

    # --- subscription analytics (F9–F15) ---------------------------------------------
    analytics_window_days: int = Field(default=90, ge=1, le=365)
    # A customer has "low license assignment" when its assignment ratio is at or below
    # this percentile of the partner's customers (and below the absolute ceiling).
    low_assignment_percentile: float = Field(default=25.0, ge=0, le=100)
    low_assignment_max_ratio: float = Field(default=0.5, ge=0, le=1)

    # --- calling quality thresholds (F17) --------------------------------------------
    poor_jitter_ms: float = 150.0
    poor_latency_ms: float = 400.0
    poor_packet_loss_pct: float = 5.0
    call_leg_retention_days: int = Field(default=35, ge=1)

    # --- digests, alerts and the worker (F20, F29) -------------------------------------
    # Abandoned-call spike: last week's abandoned rate of a customer's queues is above
    # factor x the mean weekly rate of its previous `baseline_weeks` weeks, with at least
    # `min_calls` queue calls last week and a rate of at least `min_rate`.
    abandoned_spike_factor: float = Field(default=2.0, gt=1)
    abandoned_spike_min_calls: int = Field(default=20, ge=1)
    abandoned_spike_baseline_weeks: int = Field(default=4, ge=1, le=12)
    abandoned_spike_min_rate: float = Field(default=0.05, ge=0, le=1)
    # A claim not finished within the lease (a killed worker) is taken over and posted.
    worker_lease_seconds: int = Field(default=300, ge=1)
    worker_max_attempts: int = Field(default=10, ge=1)  # failed posts, retried each tick
    worker_catchup_hours: int = Field(default=12, ge=1)  # older missed runs are skipped
    # How long the worker waits for Slack to answer a post; an unanswered post is "unknown" and
    # the next attempt looks for it in the channel. Keep it well under the lease.
    worker_slack_timeout_seconds: float = Field(default=30.0, gt=0, le=120)
    digest_rows_per_alert: int = Field(default=8, ge=1, le=10)

    # --- operations: heartbeat, fair use, shutdown -----------------------------------
    worker_heartbeat_seconds: int = Field(default=30, ge=1)  # how often the worker beats
    worker_heartbeat_stale_seconds: int = Field(default=120, ge=1)  # `jobs status` warns after
    # Expensive commands (reports, CSV downloads, digest previews): at most `per_user`
    # per person and `per_workspace` per workspace in each window of `window_seconds`.
    rate_limit_window_seconds: int = Field(default=300, ge=1)
    rate_limit_per_user: int = Field(default=6, ge=1)
    rate_limit_per_workspace: int = Field(default=30, ge=1)
    report_concurrency: int = Field(default=2, ge=1, le=32)  # reports built at once per process
    report_concurrency_per_partner: int = Field(default=1, ge=1, le=32)  # ... for one partner
    shutdown_grace_seconds: float = Field(default=25.0, ge=0)  # finish in-flight work on SIGTERM
    # `partnerhub serve` makes answers (the work after the ack) in this many child
    # processes, so the event loop that acks is never behind them; 0: threads of the
    # web process. Children run at this much lower CPU priority (nice) than the acks.
    answer_processes: int = Field(default=2, ge=0, le=32)
    answer_nice: int = Field(default=10, ge=0, le=19)

    # --- demo ------------------------------------------------------------------------
    demo_database_url: str = "sqlite:///partnerhub-demo.db"
    demo_output_dir: Path = Path("demo-output")

    @field_validator("database_url", "demo_database_url")
    @classmethod
    def _normalise_postgres_driver(cls, url: str) -> str:
        # Operators paste Heroku-style URLs; we speak psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    def today(self) -> date:
        """The process's notion of today: PARTNERHUB_AS_OF, else the real date.

        Only entry points (CLI, listeners, jobs) call this; everything below takes as_of.
        """
        if self.as_of is not None:
            return self.as_of
        from datetime import datetime, timezone

        return datetime.now(timezone.utc).date()

    def now(self):
        """The process's notion of now (an aware UTC datetime): with PARTNERHUB_AS_OF, that
        day at the current UTC time of day (what "next run" and the like are counted
        from, so a frozen demo or test agrees with its own today); else the real instant."""
        from datetime import datetime, timezone

        real = datetime.now(timezone.utc)
        if self.as_of is None:
            return real
        return datetime.combine(self.as_of, real.timetz())


def get_settings(**overrides) -> Settings:
    return Settings(**overrides)


ENVIRONMENTS = ("development", "production")

# What a value must look like, by the pydantic error type, for the one-line message.
_EXPECTED = {
    "date_from_datetime_parsing": "a date, YYYY-MM-DD", "date_parsing": "a date, YYYY-MM-DD",
    "date_type": "a date, YYYY-MM-DD", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_parsing": "a number", "bool_parsing": "true or false",
}


def env_name(field: str) -> str:
    """The environment variable a setting is read from (the first one, when several)."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"PARTNERHUB_{field.upper()}"


def load_settings(**overrides) -> Settings:
    """Settings for an entry point: a bad value raises ``BadInput`` naming the variable,
    the value and what is expected (one line, no pydantic traceback)."""
    from pydantic import ValidationError

    from partnerhub_core.errors import BadInput
    from partnerhub_core.i18n import N_

    try:
        cfg = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first.get("loc") else ""
        name = env_name(field) if field in Settings.model_fields else field.upper()
        # Every bound of the field (pydantic names only the one broken): "≥ 1 and ≤ 365".
        metadata = Settings.model_fields[field].metadata if field in Settings.model_fields else []
        bounds = [f"{sign} {getattr(m, key)}" for m in metadata
                  for key, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")) if hasattr(m, key)]
        expected = (_EXPECTED.get(first["type"]) or (f"a number {' and '.join(bounds)}" if bounds else None)
                     or first["msg"].removeprefix("Input should be ").rstrip("."))
        raise BadInput(N_("{name}={value} is not valid: expected {expected}."), name=name,
                       value=first.get("input"), expected=expected) from None
    environment = str(cfg.environment or "").strip().lower()
    if environment not in ENVIRONMENTS:
        raise BadInput(N_("{name}={value} is not valid: expected {expected}."), name="PARTNERHUB_ENVIRONMENT",
                       value=cfg.environment, expected="development or production")
    cfg.environment = environment
    import logging

    if not isinstance(logging.getLevelName(str(cfg.log_level).upper()), int):
        raise BadInput(N_("{name}={value} is not valid: expected {expected}."), name="PARTNERHUB_LOG_LEVEL",
                       value=cfg.log_level, expected="DEBUG, INFO, WARNING or ERROR")
    return cfg
