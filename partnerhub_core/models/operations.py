"""Sync state, source freshness, jobs, credentials, caches and Slack installations."""
from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import BigInteger, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field

from partnerhub_core.models.base import Table, _json, _ts, utcnow
from partnerhub_core.secrets import EncryptedString


# ---------------------------------------------------------------------------------
# Sync and operations
# ---------------------------------------------------------------------------------
class SyncState(Table, table=True):
    """Progress of the Webex sync, per partner, part and organization.

    ``org_id`` is "" for the partner-level row of a part: its ``cursor`` holds the start of
    an unfinished pass (organizations that succeeded since then are skipped on resume) or,
    for call history, the end of the last window ingested.
    """

    __table_args__ = (UniqueConstraint("partner_id", "part", "org_id", name="uq_sync_state"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    part: str = Field(max_length=40)  # organizations, licenses, tags, admins, devices, numbers, cdr
    org_id: str = Field(default="", max_length=200)
    last_success_at: Optional[datetime] = _ts(default=None)
    last_error_at: Optional[datetime] = _ts(default=None)
    last_error: Optional[str] = Field(default=None, max_length=2000)
    cursor: Optional[str] = Field(default=None, max_length=2000)
    items: int = Field(default=0)  # items stored by the last successful run


class SourceRefresh(Table, table=True):
    """Where each family of figures comes from (partnerhub_core/provenance.py): one row per
    partner and source family, its last successful read and its last failure."""

    __table_args__ = (UniqueConstraint("partner_id", "family", name="uq_source_refresh"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    family: str = Field(max_length=40)  # provenance.SourceFamily value
    last_success_at: Optional[datetime] = _ts(default=None)
    rows: int = Field(default=0)  # rows stored by the last successful read
    covered: Optional[int] = None  # e.g. organizations with data ...
    total: Optional[int] = None  # ... of the organizations read
    last_error_at: Optional[datetime] = _ts(default=None)
    last_error: Optional[str] = Field(default=None, max_length=500)  # short; no tokens, no names
    missing_scopes: list = _json(default_factory=list)  # Webex scopes the token lacks


class JobOutcome(StrEnum):
    RUNNING = "running"  # started, no outcome yet
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing to do (not due, claimed by another worker, ...)
    INTERRUPTED = "interrupted"  # its worker died or stopped before an outcome


class JobRun(Table, table=True):
    """One run of a named worker job (partnerhub_core/jobs.py writes it), for one
    partner or for all of them (``partner_id`` NULL)."""

    __table_args__ = (Index("ix_jobrun_job_started", "job", "started_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    job: str = Field(max_length=60)
    partner_id: Optional[int] = Field(default=None, foreign_key="partner.id", index=True)
    worker_id: str = Field(default="", max_length=120)
    started_at: datetime = _ts()
    finished_at: Optional[datetime] = _ts(default=None)
    outcome: str = Field(default=JobOutcome.RUNNING, max_length=12)
    detail: Optional[str] = Field(default=None, max_length=500)  # error class and ids, no names
    items: int = Field(default=0)  # what the run handled (posts, rows, organizations)


class WebexCredential(Table, table=True):
    """A partner's Webex API token (partnerhub_core/credentials.py), encrypted at rest.
    Without one, the connector falls back to PARTNERHUB_WEBEX_TOKEN."""

    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", unique=True)
    access_token: str = Field(sa_type=EncryptedString)
    refresh_token: Optional[str] = Field(default=None, sa_type=EncryptedString)
    expires_at: Optional[datetime] = _ts(default=None)
    updated_at: datetime = _ts()
    updated_by: str = Field(default="", max_length=200)


class WorkerHeartbeat(Table, table=True):
    """A worker process says it is alive, what it runs and when each job runs next."""

    worker_id: str = Field(primary_key=True, max_length=120)  # host:pid
    started_at: datetime = _ts()
    beat_at: datetime = _ts()
    running_job: Optional[str] = Field(default=None, max_length=60)
    next_runs: dict = _json(default_factory=dict)  # job name -> ISO instant
    stopped_at: Optional[datetime] = _ts(default=None)  # clean exit


class RateLimitCounter(Table, table=True):
    """Hits of one rate-limit key in one fixed window (partnerhub_core/ratelimit.py).

    Shared by every web process through the database; incremented with one atomic
    upsert, so two processes never both take the last slot.
    """

    key: str = Field(primary_key=True, max_length=200)  # "user:T1:U1:expensive"
    window_start: int = Field(primary_key=True)  # epoch seconds, a multiple of the window
    team_id: str = Field(default="", max_length=32, index=True)
    hits: int = Field(default=0)


class AnalyticsCache(Table, table=True):
    """One analytics result shared by every process (``analytics/shared_cache.py``).

    ``key`` hashes (kind, partner, data version, every argument, the code): a write to the
    partner's figures changes its version, so older rows can never be read again; they are
    deleted on the next store or warm-up. ``payload`` is a pickle (our own database, trusted).
    Operational: in ``dataversion.NOT_FIGURES``.
    """

    partner_id: int = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=64)  # sha256 hex
    kind: str = Field(max_length=40)
    data_version: int = Field(sa_type=BigInteger)
    created_at: datetime = _ts(default_factory=utcnow)
    size: int = Field(default=0)
    payload: bytes = Field(sa_type=LargeBinary)


# ---------------------------------------------------------------------------------
# Slack installations (multi-workspace OAuth) — read and written only by
# bot/installation.py; token columns are encrypted at rest by their column type
# (partnerhub_core.secrets.EncryptedString): code reads and writes plain strings
# ---------------------------------------------------------------------------------
class SlackInstallation(Table, table=True):
    """One OAuth installation of the Slack app (a workspace or an org, by one installer)."""

    __table_args__ = (Index("ix_slack_installation_team", "client_id", "enterprise_id", "team_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64)
    app_id: Optional[str] = Field(default=None, max_length=32)
    enterprise_id: str = Field(default="", max_length=32)  # "" when not in an org
    team_id: str = Field(default="", max_length=32)  # "" for an org-wide install
    is_enterprise_install: bool = Field(default=False)
    user_id: str = Field(max_length=32)  # the installer
    bot_id: Optional[str] = Field(default=None, max_length=32)
    bot_user_id: Optional[str] = Field(default=None, max_length=32)
    bot_scopes: str = Field(default="", max_length=2000)
    user_scopes: str = Field(default="", max_length=2000)
    # Secrets: Fernet-encrypted in the database, plain strings in Python.
    bot_token: Optional[str] = Field(default=None, sa_type=EncryptedString)
    bot_refresh_token: Optional[str] = Field(default=None, sa_type=EncryptedString)
    bot_token_expires_at: Optional[datetime] = _ts(default=None)
    user_token: Optional[str] = Field(default=None, sa_type=EncryptedString)
    user_refresh_token: Optional[str] = Field(default=None, sa_type=EncryptedString)
    user_token_expires_at: Optional[datetime] = _ts(default=None)
    details: Optional[dict] = _json(default=None)  # names, URLs, token type: nothing secret
    installed_at: datetime = _ts(default_factory=utcnow)


class SlackOAuthState(Table, table=True):
    """A one-time OAuth ``state`` value (CSRF protection of /slack/oauth_redirect)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    state: str = Field(max_length=200, unique=True)
    expires_at: datetime = _ts()
