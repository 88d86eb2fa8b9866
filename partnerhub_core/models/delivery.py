"""Report templates, schedules, digests, alerts and their deliveries."""
from datetime import date, datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from partnerhub_core.models.base import Table, _json, _ts, utcnow


# ---------------------------------------------------------------------------------
# Reports (F20–F22)  — custom templates
# ---------------------------------------------------------------------------------
class ReportTemplate(Table, table=True):
    """A custom report (F21): a saved choice of columns and filters over a default
    report, under a name of the partner's choosing."""

    __table_args__ = (UniqueConstraint("partner_id", "name_key", name="uq_report_template_name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)  # search_key(name)
    base_report: str = Field(max_length=40)  # a reports.REPORTS key
    columns: list = _json(default_factory=list)  # column keys, in output order
    filters: dict = _json(default_factory=dict)  # {"region": "EU", "tag": "gold"}
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


# ---------------------------------------------------------------------------------
# Schedules, digests and alerts (F20, F29)
# ---------------------------------------------------------------------------------
class ScheduleKind(StrEnum):
    DIGEST = "digest"  # weekly digest and alerts (F29)
    REPORT = "report"  # a scheduled report with its CSV (F20)


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class TargetType(StrEnum):
    CHANNEL = "channel"
    DM = "dm"  # target_id is a Slack user id; the worker opens the DM


class AlertKind(StrEnum):
    EXPIRING = "expiring"  # subscriptions and trials ending soon
    OVERAGE = "overage"  # more licenses assigned than bought
    LOW_ASSIGNMENT = "low_assignment"
    ABANDONED_SPIKE = "abandoned_spike"  # queue abandonment week over week


class DeliveryStatus(StrEnum):
    CLAIMED = "claimed"  # a worker holds the lease and is posting
    POSTED = "posted"
    FAILED = "failed"  # Slack refused it; retried on a later tick unless the schedule got disabled
    # The post went out and no answer came back (a timeout): it may be in the channel. Retried
    # on a later tick, which first looks for it in the channel by its delivery id.
    UNKNOWN = "unknown"
    SKIPPED = "skipped"  # nothing to say (an empty digest of a quiet subscription)


class Schedule(Table, table=True):
    """A digest subscription of a channel, or a scheduled report to a channel or a DM.

    When it runs is local wall time in ``timezone`` (IANA name), so a Monday 09:00
    digest stays at 09:00 local across daylight-saving changes.
    """

    __table_args__ = (Index("ix_schedule_partner_enabled", "partner_id", "enabled"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    workspace_id: Optional[int] = Field(default=None, foreign_key="workspace.id")
    kind: str = Field(default=ScheduleKind.DIGEST, max_length=10)
    target_type: str = Field(default=TargetType.CHANNEL, max_length=10)
    target_id: str = Field(max_length=32)  # channel id, or user id for a DM
    # digest: which alerts (AlertKind values); report: unused
    alerts: list = _json(default_factory=list)
    # report: a reports.REPORTS key or "template:<id>"; digest: unused
    report_key: Optional[str] = Field(default=None, max_length=100)
    tag: Optional[str] = Field(default=None, max_length=25)  # only customers with this tag
    region: Optional[str] = Field(default=None, max_length=8)  # only customers in this region
    language: str = Field(default="en", max_length=10)
    quiet_when_empty: bool = Field(default=False)  # an empty digest posts nothing
    frequency: str = Field(default=Frequency.WEEKLY, max_length=10)
    weekday: int = Field(default=0, ge=0, le=6)  # Monday=0, weekly only
    day_of_month: int = Field(default=1, ge=1, le=31)  # monthly only; 31 = last day
    hour: int = Field(default=9, ge=0, le=23)
    minute: int = Field(default=0, ge=0, le=59)
    timezone: str = Field(default="UTC", max_length=64)
    enabled: bool = Field(default=True)
    disabled_reason: Optional[str] = Field(default=None, max_length=200)
    # None: every customer of the partner. Set when an admin who sees only assigned
    # customers creates it: the schedule then shows only what that admin may see.
    scope_admin_id: Optional[int] = Field(default=None, foreign_key="partneradmin.id")
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class ChannelScope(Table, table=True):
    """A channel bound to a scope: commands typed in it answer only about customers in this
    region and/or with this tag (partnerhub_core/channel_scope.py). A DM is never bound.
    The tag is kept by name, as a schedule keeps it: a tag renamed or deleted since matches no
    customer, so the channel shows nothing rather than everything."""

    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", name="uq_channel_scope"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    workspace_id: int = Field(foreign_key="workspace.id")
    channel_id: str = Field(max_length=32)
    tag: Optional[str] = Field(default=None, max_length=25)
    region: Optional[str] = Field(default=None, max_length=8)
    bound_by: str = Field(default="", max_length=200)
    bound_at: datetime = _ts(default_factory=utcnow)


class Delivery(Table, table=True):
    """One (schedule, period) post. The unique constraint is the claim: whoever inserts
    the row posts; the others see it and stand back (DESIGN "Scheduling without double
    posts")."""

    __table_args__ = (
        UniqueConstraint("schedule_id", "period", name="uq_delivery_period"),
        Index("ix_delivery_partner_status", "partner_id", "status"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id")
    schedule_id: int = Field(foreign_key="schedule.id", index=True)
    period: str = Field(max_length=20)  # local date of the occurrence, "2026-11-23"
    due_at: datetime = _ts()  # the occurrence, UTC
    status: str = Field(default=DeliveryStatus.CLAIMED, max_length=10)
    claimed_by: str = Field(default="", max_length=120)  # worker id holding the lease
    lease_until: Optional[datetime] = _ts(default=None)
    attempts: int = Field(default=0)
    message_ts: Optional[str] = Field(default=None, max_length=40)  # set once Slack took it
    channel_id: Optional[str] = Field(default=None, max_length=32)
    files_posted: int = Field(default=0)  # files uploaded so far (resume after a crash)
    error: Optional[str] = Field(default=None, max_length=500)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    posted_at: Optional[datetime] = _ts(default=None)


class AlertState(Table, table=True):
    """What people did about one alert of one customer: acknowledged, snoozed, owner.

    ``fingerprint`` is the alert's current content; ``muted_fingerprint`` is the content
    that was acknowledged or snoozed, so a change brings the alert back."""

    __table_args__ = (
        UniqueConstraint("partner_id", "kind", "customer_id", name="uq_alert_state"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    kind: str = Field(max_length=20)
    customer_id: int = Field(foreign_key="customer.id")
    fingerprint: str = Field(default="", max_length=64)
    first_seen: Optional[date] = None
    last_seen: Optional[date] = None
    muted_fingerprint: Optional[str] = Field(default=None, max_length=64)
    acknowledged_at: Optional[datetime] = _ts(default=None)
    acknowledged_by: Optional[str] = Field(default=None, max_length=200)
    snoozed_until: Optional[date] = None
    owner_slack_user_id: Optional[str] = Field(default=None, max_length=32)
    owner_admin_id: Optional[int] = Field(default=None, foreign_key="partneradmin.id")
    updated_at: datetime = _ts(default_factory=utcnow)


class DigestSnapshot(Table, table=True):
    """Customer statuses as one digest showed them: the base of "what changed since
    the last digest"."""

    __table_args__ = (UniqueConstraint("schedule_id", "period", name="uq_digest_snapshot"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    schedule_id: int = Field(foreign_key="schedule.id", index=True)
    period: str = Field(max_length=20)
    as_of: date
    statuses: dict = _json(default_factory=dict)  # {customer id: [status, ...]}
    taken_at: datetime = _ts()
