"""Small factories for hand-made test data. Each adds to the session and flushes (ids are
set), never commits. Defaults are deliberately dull; tests spell out what they rely on."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

from sqlmodel import Session

from partnerhub_core.models import (
    Customer,
    CustomerAdmin,
    CustomerTag,
    LicenseSnapshot,
    ManagedBy,
    OrderLine,
    Partner,
    PartnerAdmin,
    PaymentState,
    ProvisioningState,
    Region,
    Role,
    Subscription,
    Tag,
    search_key,
)

_seq = itertools.count(1)
FIXED_NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
# When the sign-in source read a factory customer: after every as_of the tests use, so the
# sign-in is known (statuses.sign_in_known); pass sign_in_checked_at=None for unknown.
SIGN_IN_READ = datetime(2027, 1, 1, tzinfo=timezone.utc)


def make_partner(session: Session, name: str = "Test Partner", **kw) -> Partner:
    partner = Partner(name=name, webex_org_id=kw.pop("webex_org_id", f"partner-org-{next(_seq)}"),
                      created_at=kw.pop("created_at", FIXED_NOW), **kw)
    session.add(partner)
    session.flush()
    return partner


def make_customer(
    session: Session,
    partner: Partner,
    name: str = "Acme",
    *,
    region: str = Region.US,
    managed_by: str = ManagedBy.EXTERNAL_ADMIN,
    added_on: date = date(2025, 1, 1),
    last_admin_sign_in: datetime | None = FIXED_NOW,
    sign_in_checked_at: datetime | None = SIGN_IN_READ,
    org_id: str | None = None,
    **kw,
) -> Customer:
    customer = Customer(
        partner_id=partner.id,
        org_id=org_id or f"org-{next(_seq)}",
        name=name,
        name_key=search_key(name),
        region=str(region),
        managed_by=None if managed_by is None else str(managed_by),
        added_on=added_on,
        last_admin_sign_in=last_admin_sign_in,
        sign_in_checked_at=sign_in_checked_at,
        created_at=kw.pop("created_at", FIXED_NOW),
        **kw,
    )
    session.add(customer)
    session.flush()
    return customer


def make_subscription(
    session: Session,
    customer: Customer,
    *,
    product: str = "meetings",
    total: int = 100,
    start: date = date(2025, 1, 1),
    end: date | None = date(2027, 1, 1),
    is_trial: bool = False,
    auto_renew: bool = False,
    subscription_id: str | None = None,
    provisioning_state: str = ProvisioningState.PROVISIONED,
    payment_state: str = PaymentState.PAID,
    **kw,
) -> Subscription:
    sub = Subscription(
        partner_id=customer.partner_id,
        customer_id=customer.id,
        subscription_id=subscription_id or f"{'Trial' if is_trial else 'Sub'}{next(_seq):05d}",
        is_trial=is_trial,
        product=str(product),
        total_licenses=total,
        start_date=start,
        end_date=end,
        auto_renew=auto_renew,
        provisioning_state=str(provisioning_state),
        payment_state=str(payment_state),
        **kw,
    )
    session.add(sub)
    session.flush()
    return sub


def make_snapshot(
    session: Session,
    subscription: Subscription,
    week_ending: date,
    *,
    assigned: int = 0,
    used_7d: int = 0,
    used_90d: int | None = None,
    total: int | None = None,
) -> LicenseSnapshot:
    snap = LicenseSnapshot(
        partner_id=subscription.partner_id,
        subscription_pk=subscription.id,
        week_ending=week_ending,
        total=subscription.total_licenses if total is None else total,
        assigned=assigned,
        used_7d=used_7d,
        used_90d=used_7d if used_90d is None else used_90d,
    )
    session.add(snap)
    session.flush()
    return snap


def make_order(session: Session, subscription: Subscription, *, ordered_on: date, quantity: int,
               order_ref: str | None = None, description: str = "") -> OrderLine:
    line = OrderLine(partner_id=subscription.partner_id, subscription_pk=subscription.id,
                     ordered_on=ordered_on, order_ref=order_ref or f"ORD-{next(_seq):06d}",
                     description=description, quantity=quantity)
    session.add(line)
    session.flush()
    return line


def make_admin(
    session: Session,
    partner: Partner,
    name: str = "Ana Admin",
    *,
    role: str = Role.FULL_ADMIN,
    all_customers: bool = False,
    slack_user_id: str | None = None,
    email: str | None = None,
    customers: list[Customer] = (),
    **kw,
) -> PartnerAdmin:
    n = next(_seq)
    admin = PartnerAdmin(
        partner_id=partner.id,
        display_name=name,
        email=email or f"admin{n}@partner.example",
        slack_user_id=slack_user_id or f"UTEST{n:04d}",
        role=str(role),
        all_customers=all_customers,
        created_at=kw.pop("created_at", FIXED_NOW),
        **kw,
    )
    session.add(admin)
    session.flush()
    for customer in customers:
        assign_admin(session, admin, customer)
    return admin


def assign_admin(session: Session, admin: PartnerAdmin, customer: Customer,
                 role_in_customer: str = "id_full_admin") -> CustomerAdmin:
    link = CustomerAdmin(customer_id=customer.id, partner_admin_id=admin.id, partner_id=admin.partner_id,
                         role_in_customer=role_in_customer, assigned_at=FIXED_NOW)
    session.add(link)
    session.flush()
    return link


def make_tag(session: Session, partner: Partner, name: str = "VIP", *, customers: list[Customer] = (),
             description: str = "") -> Tag:
    tag = Tag(partner_id=partner.id, name=name, name_key=search_key(name), description=description,
              created_at=FIXED_NOW)
    session.add(tag)
    session.flush()
    for customer in customers:
        session.add(CustomerTag(customer_id=customer.id, tag_id=tag.id, partner_id=partner.id))
    session.flush()
    return tag


def demo_partner_id(engine, *, customers: int, as_of: date, seed: int) -> int:
    """A committed demo partner (``partnerhub demo``'s data) in ``engine``; its id."""
    from partnerhub_core.sources.demo import build_demo_partner

    with Session(engine, expire_on_commit=False) as s:
        partner = build_demo_partner(s, customers=customers, as_of=as_of, seed=seed)
        s.commit()
        return partner.id
