"""The demo partner: a deterministic synthetic partner organization for ``partnerhub demo``.

Same ``seed``, ``customers`` and ``as_of`` → the same rows, byte for byte. The data
exercises every F1 status, the four regions, Meetings / Calling / Messaging-only
customers, trials, auto-renew and not, overage, low assignment, customers added in the
last 90 days, 52 weeks of weekly license snapshots, tags, partner admins of every role
(Slack users ``U0DEMO01`` … ``U0DEMO06``) with per-customer assignments, locations,
devices and phone numbers.

The first customers are hand-picked so that every status and every analytics section
shows up even in a tiny demo (``--customers 12``); the rest are drawn at random.

Loading twice does not duplicate anything: the demo partner (natural key: its
``webex_org_id``, ``DEMO_PARTNER_ORG_ID``) is purged with every row it owns and built
again, in the caller's transaction. Rows go in with bulk inserts.

The parts: ``demo_data`` (word lists), ``demo_plan`` (the customers and their lines, drawn
from the seed), ``demo_rows`` (orders, snapshots, tags, admins, inventory); this module
builds the partner from them. Every name they had here is still importable from here.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import (
    Customer,
    CustomerAdmin,
    Device,
    LicenseSnapshot,
    Location,
    OrderLine,
    Partner,
    PartnerAdmin,
    PhoneNumber,
    Subscription,
    search_key,
)
from partnerhub_core.provenance import SourceFamily, record_refresh
from partnerhub_core.sources.demo_data import (  # noqa: F401  (re-exported: the demo's public names)
    ADMINS,
    CISCO_OUIS,
    CITIES,
    COUNTRIES,
    DESK_PHONES,
    E164,
    FIRST,
    HISTORY_WEEKS,
    LAST,
    NAME_PARTS,
    PSTN,
    ROOM_DEVICES,
    TAGS,
    TRADES,
    VERTICAL,
)
from partnerhub_core.sources.demo_plan import Gen, at
from partnerhub_core.sources.demo_rows import (
    add_inventory,
    add_tags_and_admins,
    insert_rows,
    order_rows,
    snapshot_rows,
)

DEMO_PARTNER_ORG_ID = "demo-partner-0000-4000-8000-000000000001"
DEMO_PARTNER_NAME = "Northwind Cloud Communications (demo)"
MAX_CUSTOMERS = 100_000


def _reset(session: Session) -> None:
    """Remove the previous demo partner with everything it owns (idempotent rebuild)."""
    from partnerhub_core.purge import purge_partner

    old = session.execute(select(Partner.id).where(Partner.webex_org_id == DEMO_PARTNER_ORG_ID)).scalars().all()
    for pid in old:
        purge_partner(session, pid)


def build_demo_partner(session: Session, *, customers: int = 300, as_of: date, seed: int = 7) -> Partner:
    """Build (or rebuild) the demo partner with ``customers`` customers, as seen on ``as_of``.

    Flushes but never commits: the caller owns the transaction.
    """
    if isinstance(customers, bool) or not isinstance(customers, int) or not 1 <= customers <= MAX_CUSTOMERS:
        raise BadInput(N_("The number of demo customers must be between 1 and {max}."), max=MAX_CUSTOMERS)
    rng = random.Random(f"partnerhub-demo:{seed}")
    gen = Gen(rng, as_of)
    _reset(session)
    created = at(as_of - timedelta(days=1500))
    partner = Partner(name=DEMO_PARTNER_NAME, webex_org_id=DEMO_PARTNER_ORG_ID, default_language="en",
                      default_region="US", created_at=created)
    session.add(partner)
    session.flush()
    pid = partner.id

    admin_ids = insert_rows(session, PartnerAdmin, [
        dict(partner_id=pid, display_name=name, email=f"{local}@northwind-demo.example",
             webex_person_id=gen.uuid(), slack_user_id=slack, role=role.value, all_customers=all_c,
             language=lang, created_at=created)
        for slack, name, local, role, all_c, lang in ADMINS
    ], returning=True)

    plan = gen.featured()[:customers]
    while len(plan) < customers:
        plan.append(gen.random_customer())

    cust_rows = []
    for i, c in enumerate(plan):
        added = min(line.start for line in c.lines) if c.lines else as_of
        cust_rows.append(dict(
            partner_id=pid, org_id=gen.uuid(), name=c.name, name_key=search_key(c.name), region=c.region,
            external_id=c.external_id, managed_by=str(c.managed_by),
            last_admin_sign_in=None if c.sign_in_days is None else at(as_of - timedelta(days=c.sign_in_days),
                                                                        8 + i % 10),
            sign_in_checked_at=at(as_of, 6),
            added_on=added, created_at=at(added),
        ))
    cust_ids = insert_rows(session, Customer, cust_rows, returning=True)

    sub_rows, sub_lines = [], []
    for cid, c in zip(cust_ids, plan):
        for line in c.lines:
            sub_rows.append(dict(
                partner_id=pid, customer_id=cid, subscription_id=line.subscription_id, is_trial=line.is_trial,
                product=line.product, total_licenses=line.total, start_date=line.start, end_date=line.end,
                auto_renew=line.auto_renew, provisioning_state=str(line.provisioning),
                payment_state=str(line.payment),
                invoice_ref=None if line.is_trial else f"INV-{line.start.year}-{rng.randrange(10000, 99999)}",
                cancelled_on=line.cancelled_on,
            ))
            sub_lines.append(line)
    sub_ids = insert_rows(session, Subscription, sub_rows, returning=True)

    insert_rows(session, OrderLine, order_rows(gen, pid, sub_ids, sub_lines))
    insert_rows(session, LicenseSnapshot, snapshot_rows(gen, pid, sub_ids, sub_lines))
    add_tags_and_admins(session, gen, pid, cust_ids, plan, admin_ids)
    add_inventory(session, gen, pid, cust_ids, plan)
    session.flush()
    _record_sources(session, pid, at(as_of, 6))
    return partner


def _record_sources(session: Session, pid: int, now: datetime) -> None:
    """The demo fills every figure, so every source family counts as read just now, for
    every customer organization."""
    customers = session.execute(sa.select(Customer.id).where(Customer.partner_id == pid)).all()
    def count(model, *where) -> int:
        return session.execute(sa.select(sa.func.count()).select_from(model)
                               .where(model.partner_id == pid, *where)).scalar_one()

    rows = {
        SourceFamily.ORGANIZATIONS: count(Customer), SourceFamily.SUBSCRIPTIONS: count(Subscription),
        SourceFamily.LICENSE_USAGE: count(LicenseSnapshot), SourceFamily.ADMIN_SIGN_IN: count(Customer),
        SourceFamily.PARTNER_ADMINS: count(CustomerAdmin), SourceFamily.LOCATIONS: count(Location),
        SourceFamily.PSTN: count(Location), SourceFamily.PEOPLE: count(PhoneNumber, PhoneNumber.user_id != ""),
        SourceFamily.DEVICES: count(Device), SourceFamily.NUMBERS: count(PhoneNumber),
        SourceFamily.TRIALS: count(Subscription, Subscription.is_trial.is_(True)),
        # demo_calling.py records the calling families with its own row counts.
        SourceFamily.CALL_HISTORY: 0, SourceFamily.CALL_QUALITY: 0,
    }
    for family, n in rows.items():
        record_refresh(session, partner_id=pid, family=family, now=now, rows=n, covered=len(customers),
                       total=len(customers))
