"""SQLModel tables of partnerhub.

The partner organization is the tenant: every table that holds customer data carries
``partner_id`` and every query filters on it. Enumerations are stored as short strings
(``StrEnum`` values) so that SQLite and PostgreSQL hold the same thing and a new value
needs no migration. Instants are timezone-aware UTC; days are plain dates.

Sections: tenancy and people · customers and subscriptions · tags · inventory ·
audit · calling · reports · schedules and alerts · sync and operations.
"""

import unicodedata
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, DateTime, Index, LargeBinary, UniqueConstraint
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from partnerhub_core.secrets import EncryptedString


def utcnow() -> datetime:
    """Entry points only: the core takes instants as arguments."""
    return datetime.now(timezone.utc)


# Latin letters that NFKD does not split into a base letter plus a mark (Ł is its own
# letter, not L + stroke), so stripping combining marks alone would leave "łodz" and
# `lodz bank` would miss Łódź Bank. Written out here rather than pulling in a library.
# Stored keys made before this table existed are rewritten by search_keys.refresh()
# (run by `partnerhub db upgrade`).
_TRANSLITERATE = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "đ": "d", "Đ": "D",
    "œ": "oe", "Œ": "OE", "ß": "ss", "ẞ": "SS", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D",
    "ı": "i", "ŀ": "l", "Ŀ": "L", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T", "ĸ": "k",
    "ŋ": "n", "Ŋ": "N", "ƒ": "f",
})


def search_key(text: str | None) -> str:
    """Case- and accent-insensitive form of a name: "São Paulo" -> "sao paulo",
    "Łódź Bank" -> "lodz bank"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


class Table(SQLModel):
    """Base of every table. ``defer_build``: pydantic builds a model's validator and serializer
    on first use instead of when the class is defined. Table models do not validate in
    ``__init__`` and nothing here calls ``model_validate``/``model_dump`` on them, so the
    build, about a sixth of defining the tables, is not paid by a process that only
    queries (every CLI command); if something does ask, pydantic builds it then."""

    model_config = ConfigDict(defer_build=True)


def _ts(**kw) -> Any:
    return Field(sa_type=DateTime(timezone=True), **kw)


def _json(**kw) -> Any:
    return Field(sa_type=JSON, **kw)


# ---------------------------------------------------------------------------------
# Enumerations (the domain's words)
# ---------------------------------------------------------------------------------
class Region(StrEnum):
    US = "US"
    CA = "CA"
    EU = "EU"
    UAE = "UAE"


class ManagedBy(StrEnum):
    EXTERNAL_ADMIN = "external_admin"  # the partner manages it as an external admin
    PARTNER_ORG = "partner_org"  # the customer lives inside the partner organization


class Product(StrEnum):
    MEETINGS = "meetings"
    CALLING = "calling"
    MESSAGING = "messaging"
    REAL_TIME_TRANSLATIONS = "real_time_translations"
    CONTACT_CENTER = "contact_center"
    WEBINARS = "webinars"


class ProvisioningState(StrEnum):
    PROVISIONED = "provisioned"
    PENDING_SETUP = "pending_setup"  # "ready for order setup"


class PaymentState(StrEnum):
    PAID = "paid"
    UNPAID = "unpaid"  # "suspended"


class Role(StrEnum):
    """Partner admin roles (SPEC F7), strongest first."""

    FULL_ADMIN = "full_admin"  # every customer, every action
    ADMIN = "admin"  # assigned customers; tags, schedules, admins
    SALES_ADMIN = "sales_admin"  # trials for assigned customers; read otherwise
    READ_ONLY = "read_only"  # looks, never changes


class CustomerStatus(StrEnum):
    """SPEC F1. Derived on a date by ``statuses.py``; never stored."""

    TRIAL = "trial"
    ACTIVE = "active"
    EXPIRING_SOON = "expiring_soon"
    LICENSE_OVERAGE = "license_overage"
    NO_RECENT_ACTIVITY = "no_recent_activity"
    READY_FOR_ORDER_SETUP = "ready_for_order_setup"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


# ---------------------------------------------------------------------------------
# Tenancy and people
# ---------------------------------------------------------------------------------
class Partner(Table, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    webex_org_id: Optional[str] = Field(default=None, max_length=200, unique=True)
    default_language: str = Field(default="en", max_length=10)
    default_region: Optional[str] = Field(default=None, max_length=8)
    created_at: datetime = _ts(default_factory=utcnow)
    # Changes with every write that can change a figure of this partner (dataversion.py).
    data_version: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})


class Workspace(Table, table=True):
    """A chat workspace linked to exactly one partner (first-run setup, SPEC F26)."""

    __table_args__ = (UniqueConstraint("enterprise_id", "team_id", name="uq_workspace_team"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    team_id: str = Field(max_length=32)
    enterprise_id: str = Field(default="", max_length=32)  # "" when not an org install
    default_language: str = Field(default="en", max_length=10)
    default_region: Optional[str] = Field(default=None, max_length=8)
    linked_at: datetime = _ts(default_factory=utcnow)
    linked_by: Optional[str] = Field(default=None, max_length=64)


class PartnerAdmin(Table, table=True):
    __table_args__ = (
        UniqueConstraint("partner_id", "email", name="uq_partner_admin_email"),
        Index("ix_partner_admin_slack", "partner_id", "slack_user_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    display_name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    webex_person_id: Optional[str] = Field(default=None, max_length=200)
    slack_user_id: Optional[str] = Field(default=None, max_length=32)
    role: str = Field(default=Role.READ_ONLY, max_length=20)
    # Full admins see every customer; the others only the customers assigned to them,
    # unless this is set (Partner Hub's "all customers" admins).
    all_customers: bool = Field(default=False)
    language: Optional[str] = Field(default=None, max_length=10)  # personal override
    created_at: datetime = _ts(default_factory=utcnow)


# ---------------------------------------------------------------------------------
# Customers and subscriptions
# ---------------------------------------------------------------------------------
class Customer(Table, table=True):
    """A managed customer organization."""

    __table_args__ = (
        UniqueConstraint("partner_id", "org_id", name="uq_customer_org"),
        Index("ix_customer_partner_name", "partner_id", "name_key"),
        Index("ix_customer_partner_region", "partner_id", "region"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    org_id: str = Field(max_length=200)
    name: str = Field(max_length=300)
    name_key: str = Field(default="", max_length=300)  # search_key(name)
    region: str = Field(default=Region.US, max_length=8)
    # True: no source has named this organization's region yet, so region is the
    # partner's default, kept for filters and per-region reports but shown as unknown.
    region_assumed: bool = Field(default=False)
    external_id: Optional[str] = Field(default=None, max_length=200)  # wholesale only
    # None: unknown (no organization source said so); never shown as "external admin".
    managed_by: Optional[str] = Field(default=None, max_length=20)
    last_admin_sign_in: Optional[datetime] = _ts(default=None)
    # When the sign-in source last read this customer; None: its sign-in is unknown, so
    # "no recent activity" is never derived for it (provenance.py).
    sign_in_checked_at: Optional[datetime] = _ts(default=None)
    added_on: date  # when the partner started managing it (first subscription or trial)
    created_at: datetime = _ts(default_factory=utcnow)


class Subscription(Table, table=True):
    """One product line of a subscription or trial of a customer.

    A Webex subscription id can cover several products; each (subscription id, product)
    is one row, which is the grain Partner Hub's tables show.
    """

    __table_args__ = (
        UniqueConstraint("partner_id", "subscription_id", "product", name="uq_subscription_product"),
        Index("ix_subscription_partner_product", "partner_id", "product"),
        Index("ix_subscription_partner_end", "partner_id", "end_date"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    subscription_id: str = Field(max_length=200)  # Webex subscription id, or trial id
    is_trial: bool = Field(default=False)
    product: str = Field(max_length=40)
    total_licenses: int = Field(default=0, ge=0)
    start_date: date
    end_date: Optional[date] = None  # renewal date for paid, end date for trials
    auto_renew: bool = Field(default=False)
    provisioning_state: str = Field(default=ProvisioningState.PROVISIONED, max_length=20)
    payment_state: str = Field(default=PaymentState.PAID, max_length=20)
    invoice_ref: Optional[str] = Field(default=None, max_length=100)
    cancelled_on: Optional[date] = None


class TrialRequestState(StrEnum):
    PENDING = "pending"  # asked for here; finished by a person in Partner Hub
    STARTED = "started"  # a sync saw the trial in Webex


class TrialRequest(Table, table=True):
    """A trial someone asked for in Slack or the CLI. Webex has no public API that starts a
    trial for a customer, so this is a request: the person finishes it in Partner Hub, and
    it becomes ``started`` only when a sync sees that trial in Webex (services/trials.py)."""

    __table_args__ = (Index("ix_trial_request_partner_state", "partner_id", "state"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    product: str = Field(max_length=40)
    licenses: int = Field(default=0, ge=0)
    days: int = Field(default=30, ge=0)
    state: str = Field(default=TrialRequestState.PENDING, max_length=20)
    requested_at: datetime = _ts()
    requested_by: str = Field(default="", max_length=120)  # the actor's audit label
    started_at: Optional[datetime] = _ts(default=None)  # when a sync saw the trial
    subscription_id: Optional[str] = Field(default=None, max_length=200)  # Webex's trial, once seen


class OrderLine(Table, table=True):
    """Order history of a subscription (F6)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    subscription_pk: int = Field(foreign_key="subscription.id", index=True)
    ordered_on: date
    order_ref: str = Field(max_length=100)
    description: str = Field(default="", max_length=300)
    quantity: int = 0


class LicenseSnapshot(Table, table=True):
    """Licenses of one subscription at the end of one week (Saturday)."""

    __table_args__ = (
        UniqueConstraint("subscription_pk", "week_ending", name="uq_snapshot_week"),
        # Covering: the latest-snapshot query of every analytics view reads the index only.
        Index("ix_snapshot_partner_week", "partner_id", "week_ending", "subscription_pk", "total", "assigned",
              "used_7d", "used_90d"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    subscription_pk: int = Field(foreign_key="subscription.id", index=True)
    week_ending: date
    total: int = 0
    assigned: int = 0
    # None: unknown (no usage source gave a number), never 0.
    used_7d: Optional[int] = None  # distinct licensed users active in the last 7 days
    used_90d: Optional[int] = None  # ... in the last 3 months


# ---------------------------------------------------------------------------------
# Tags (F3)
# ---------------------------------------------------------------------------------
class Tag(Table, table=True):
    __table_args__ = (UniqueConstraint("partner_id", "name_key", name="uq_tag_name"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    name: str = Field(max_length=25)  # Webex allows 25 characters
    name_key: str = Field(max_length=25)
    description: str = Field(default="", max_length=200)
    created_at: datetime = _ts(default_factory=utcnow)


class CustomerTag(Table, table=True):
    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)


class CustomerAdmin(Table, table=True):
    """A partner admin assigned to one customer (F6), with the role shown there."""

    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    partner_admin_id: int = Field(foreign_key="partneradmin.id", primary_key=True, index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    role_in_customer: str = Field(default="id_full_admin", max_length=40)
    assigned_at: datetime = _ts(default_factory=utcnow)


# ---------------------------------------------------------------------------------
# Inventory: locations, devices, numbers (F24, F25)
# ---------------------------------------------------------------------------------
class Location(Table, table=True):
    __table_args__ = (UniqueConstraint("partner_id", "location_id", name="uq_location"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    location_id: str = Field(max_length=200)
    name: str = Field(max_length=300)
    # From the locations source; "" means unknown (shown "—").
    country: str = Field(default="", max_length=4)  # ISO 3166-1 alpha-2
    address: str = Field(default="", max_length=500)  # street, city, state and postal code


class Device(Table, table=True):
    __table_args__ = (
        UniqueConstraint("partner_id", "device_id", name="uq_device"),
        Index("ix_device_partner_customer", "partner_id", "customer_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    customer_id: int = Field(foreign_key="customer.id")
    device_id: str = Field(max_length=200)
    location_id: Optional[str] = Field(default=None, max_length=200)
    product: str = Field(default="", max_length=200)
    mac: str = Field(default="", max_length=32)
    firmware: str = Field(default="", max_length=200)
    phone_number: str = Field(default="", max_length=40)
    extension: str = Field(default="", max_length=20)
    user_id: str = Field(default="", max_length=320)  # the user's email
    user_uuid: str = Field(default="", max_length=200)


class PhoneNumber(Table, table=True):
    __table_args__ = (
        UniqueConstraint("partner_id", "number_key", name="uq_phone_number"),
        Index("ix_phone_partner_customer", "partner_id", "customer_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    customer_id: int = Field(foreign_key="customer.id")
    # phone number, or "<location id>/<extension>" for a bare extension
    number_key: str = Field(max_length=260)
    location_id: Optional[str] = Field(default=None, max_length=200)
    phone_number: str = Field(default="", max_length=40)
    extension: str = Field(default="", max_length=20)
    pstn_connection: str = Field(default="", max_length=100)
    active: bool = Field(default=True)
    user_type: str = Field(default="", max_length=40)  # People, Auto Attendant, Virtual Line…
    number_type: str = Field(default="", max_length=20)  # Primary, Secondary
    user_id: str = Field(default="", max_length=320)
    user_uuid: str = Field(default="", max_length=200)


# ---------------------------------------------------------------------------------
# Audit
# ---------------------------------------------------------------------------------
class AuditEvent(Table, table=True):
    __table_args__ = (Index("ix_audit_partner_at", "partner_id", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id")
    actor: str = Field(max_length=200)  # "admin:<id>", "slack:<user id>", "system:<job>"
    action: str = Field(max_length=60)  # "tag.create", "trial.start", ...
    target_type: str = Field(max_length=40)
    target_id: str = Field(default="", max_length=200)
    before: Optional[dict] = _json(default=None)
    after: Optional[dict] = _json(default=None)
    at: datetime = _ts()


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

    __table_args__ = (
        UniqueConstraint(
            "partner_id", "customer_id", "day", "location_id", "endpoint_type",
            name="uq_call_rollup",
        ),
        Index("ix_call_rollup_partner_week", "partner_id", "week_ending"),
        Index("ix_call_rollup_partner_day", "partner_id", "day"),
        # Ingest mostly adds to rows of the current days. Room left in each page lets
        # PostgreSQL update a row in place when no indexed column changes (a HOT update:
        # no new index entries), two thirds of the updates instead of almost none.
        {"postgresql_with": {"fillfactor": 70}},
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
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


# Every Session bumps Partner.data_version on writes to figure tables (analytics cache key).
from partnerhub_core import dataversion as _dataversion  # noqa: E402,F401
