"""Tenancy and people, customers and subscriptions, tags, inventory (locations, devices,
numbers) and the audit trail."""
from datetime import date, datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field

from partnerhub_core.models.base import PaymentState, ProvisioningState, Region, Role, Table, _json, _ts, utcnow


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
