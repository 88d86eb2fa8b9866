"""Calling: raw legs, the daily rollups ingest adds to, and the ingest ledger."""
from datetime import date, datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from partnerhub_core.models.base import Table, _ts


# ---------------------------------------------------------------------------------
# Calling (F16–F19, F23)  — owned by the calling work; see analytics/calling.py
# ---------------------------------------------------------------------------------
class EndpointType(StrEnum):
    """What a call leg ran on (SPEC F17 "quality by endpoint type")."""

    DESK_PHONE = "desk_phone"
    ROOM_DEVICE = "room_device"  # Room, Desk, Board series
    WEBEX_APP = "webex_app"
    OTHER = "other"  # third-party devices (the reports' "Other Devices")


class CallFeature(StrEnum):
    """The calling feature a leg went through (CDR "Related reason")."""

    CALL_QUEUE = "call_queue"
    HUNT_GROUP = "hunt_group"
    AUTO_ATTENDANT = "auto_attendant"
    CALL_PARK = "call_park"
    CALL_PICKUP = "call_pickup"
    VOICEMAIL = "voicemail"


class QueueOutcome(StrEnum):
    """How a call that entered a call queue left it (set on the queue-entry leg only)."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"  # hung up or left a message before an agent was free
    TIMED_OUT = "timed_out"  # overflowed because the wait passed the maximum
    OVERFLOWED = "overflowed"  # hit the queue-size limit
    TRANSFERRED = "transferred"  # moved to another queue


class CallLeg(Table, table=True):
    """One leg of Webex Calling's detailed call history, kept only for
    ``Settings.call_leg_retention_days``. Analytics and reports read ``CallRollup``;
    the unique ``leg_key`` is what makes re-ingesting a batch count nothing twice."""

    __table_args__ = (
        UniqueConstraint("partner_id", "leg_key", name="uq_call_leg"),
        Index("ix_call_leg_partner_day", "partner_id", "day"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    leg_key: str = Field(max_length=300)  # correlation id | call id | direction
    call_id: str = Field(default="", max_length=200)
    correlation_id: str = Field(default="", max_length=200)
    day: date  # UTC day of the start time; the rollup it counts in
    start_time: datetime = _ts()
    answer_time: Optional[datetime] = _ts(default=None)
    release_time: Optional[datetime] = _ts(default=None)
    duration_s: int = 0
    direction: str = Field(default="", max_length=20)  # ORIGINATING | TERMINATING
    answered: bool = False
    call_type: str = Field(default="", max_length=40)
    call_outcome: str = Field(default="", max_length=40)
    user_uuid: str = Field(default="", max_length=200)
    is_user: bool = True  # placed or received by a person (not a feature or a trunk)
    feature: Optional[str] = Field(default=None, max_length=20)  # CallFeature
    queue_outcome: Optional[str] = Field(default=None, max_length=20)  # QueueOutcome
    wait_s: Optional[float] = None  # queue wait before answer / transfer / abandon
    location_id: str = Field(default="", max_length=200)
    location_name: str = Field(default="", max_length=300)
    device_mac: str = Field(default="", max_length=32)
    model: str = Field(default="", max_length=200)
    client_type: str = Field(default="", max_length=60)
    endpoint_type: str = Field(default=EndpointType.OTHER, max_length=20)
    has_video: bool = False
    video_s: int = 0
    audio_jitter_ms: Optional[float] = None
    audio_latency_ms: Optional[float] = None
    audio_loss_pct: Optional[float] = None
    video_jitter_ms: Optional[float] = None
    video_latency_ms: Optional[float] = None
    video_loss_pct: Optional[float] = None
    poor_quality: bool = False  # decided at ingest with the settings' thresholds


class CallRollup(Table, table=True):
    """Calling activity of one customer, location and endpoint type on one UTC day.

    Every column is a sum, so ingesting adds to it and any date range or week is a
    GROUP BY away. ``week_ending`` (the Saturday closing ``day``) makes the weekly
    views one indexed scan."""

    # Few indexes and no foreign keys on purpose: bulk ingest adds ~1 M rows a week per
    # 20,000 customers, and each new row version costs an entry in every index and, with
    # foreign keys, two per-row checks (together 40 % of the server's ingest time). The
    # unique key leads with (partner, day), so it also serves the date-range reads;
    # nothing reads rollups by customer alone (views and reports filter on the partner).
    # The ids are the partner's own customers, resolved by the ingest that writes them;
    # purge deletes by partner_id, and the ledger row written in the same transaction
    # keeps its foreign key to the partner (a purge racing an ingest fails, not orphans).
    __table_args__ = (
        UniqueConstraint(
            "partner_id", "day", "customer_id", "location_id", "endpoint_type",
            name="uq_call_rollup",
        ),
        Index("ix_call_rollup_partner_week", "partner_id", "week_ending"),
        # Ingest mostly adds to rows of the current days. Room left in each page lets
        # PostgreSQL update a row in place when no indexed column changes (a HOT update:
        # no new index entries), two thirds of the updates instead of almost none.
        {"postgresql_with": {"fillfactor": 70}},
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int
    customer_id: int
    day: date
    week_ending: date
    location_id: str = Field(default="", max_length=200)
    location_name: str = Field(default="", max_length=300)
    endpoint_type: str = Field(default=EndpointType.OTHER, max_length=20)
    calls: int = 0  # originating legs placed by users ("Total Calls")
    legs: int = 0  # every leg, placed and received
    legs_with_media: int = 0  # legs that reported jitter/latency/loss
    poor_legs: int = 0
    audio_legs: int = 0
    video_legs: int = 0
    duration_s: int = 0
    video_s: int = 0
    hunt_group_calls: int = 0
    auto_attendant_calls: int = 0
    call_park_calls: int = 0
    call_pickup_calls: int = 0
    voicemail_calls: int = 0
    queue_calls: int = 0
    queue_answered: int = 0
    queue_abandoned: int = 0
    queue_timed_out: int = 0
    queue_overflowed: int = 0
    queue_transferred: int = 0
    queue_answer_wait_s: float = 0.0  # summed over answered + transferred
    queue_abandon_wait_s: float = 0.0  # summed over abandoned


class CallIngestBatch(Table, table=True):
    """The ingest ledger: one row per batch received, with what it added."""

    __table_args__ = (UniqueConstraint("partner_id", "batch_key", name="uq_call_ingest_batch"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    batch_key: str = Field(max_length=64)  # sha256 of the batch's sorted leg keys
    source: str = Field(default="", max_length=60)
    received_at: datetime = _ts()
    legs_received: int = 0
    legs_added: int = 0  # new legs counted into the rollups
    legs_duplicate: int = 0
    legs_skipped: int = 0  # unknown customer, or older than the retention window
