"""The ``licenses`` part: each customer's licences become one ``Subscription`` per
(subscription id, product) and this week's ``LicenseSnapshot`` (total and assigned).

Webex: ``GET /licenses?orgId=`` (``totalUnits``, ``consumedUnits``, ``subscriptionId``,
``name``). See docs/webex-sources.md."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from partnerhub_core.models import Customer, LicenseSnapshot, Product, Subscription
from partnerhub_core.settings import Settings
from partnerhub_core.sources.sync_common import OrgPart, to_int

log = logging.getLogger(__name__)


_PRODUCT_HINTS: tuple[tuple[str, Product], ...] = (
    ("webinar", Product.WEBINARS),
    ("contact center", Product.CONTACT_CENTER),
    ("translation", Product.REAL_TIME_TRANSLATIONS),
    ("calling", Product.CALLING),
    ("call on webex", Product.CALLING),
    ("meeting", Product.MEETINGS),
    ("webex enterprise", Product.MEETINGS),
    ("messaging", Product.MESSAGING),
    ("message", Product.MESSAGING),
)


def snapshot_week(day: date) -> date:
    """The Saturday a sync on ``day`` writes its license snapshot to: the latest Saturday
    on or before it. Readers only see weeks ending by their ``as_of``, so the Sunday
    refresh fills the week that just ended, and syncs later in the week refresh that same
    row with newer counts until the next Saturday passes."""
    return day - timedelta(days=(day.weekday() - 5) % 7)


def product_of_license(name: str) -> Product | None:
    """The product line of a license by its name ("Webex Calling - Professional" -> calling)."""
    text = " ".join(str(name or "").casefold().replace("-", " ").split())
    return next((product for hint, product in _PRODUCT_HINTS if hint in text), None)


def _fetch_licenses(client, customer, _cursor, _now, _settings):
    return client.licenses(customer.org_id)


def _write_licenses(session: Session, partner_id: int, customer: Customer, items: list[dict],
                    now: datetime, _settings: Settings) -> tuple[int, None]:
    """Licenses -> one Subscription per (subscription id, product) + the week's snapshot.

    Only licence counts come from Webex; dates, auto-renew and invoices come from the
    subscription import, and are left as they are."""
    as_of = now.date()
    totals: dict[tuple[str, str], list[int]] = {}
    for item in items:
        sub_id, name = item.get("subscriptionId"), item.get("name")
        product = product_of_license(name)
        total, used = to_int(item.get("totalUnits")), to_int(item.get("consumedUnits"))
        if not isinstance(sub_id, str) or not sub_id or product is None or total is None:
            log.info("licenses %s: skipped %r (subscription %r, product %s, total %r)",
                     customer.org_id, name, sub_id, product, item.get("totalUnits"))
            continue
        acc = totals.setdefault((sub_id, product.value), [0, 0])
        acc[0] += max(total, 0)
        acc[1] += max(used or 0, 0)
    if not totals:
        return 0, None
    existing = {(s.subscription_id, s.product): s for s in session.exec(select(Subscription).where(
        Subscription.partner_id == partner_id,
        Subscription.subscription_id.in_(sorted({k[0] for k in totals}))))}
    week = snapshot_week(as_of)
    for (sub_id, product), (total, used) in totals.items():
        sub = existing.get((sub_id, product))
        if sub is None:
            sub = Subscription(partner_id=partner_id, customer_id=customer.id, subscription_id=sub_id,
                               product=product, total_licenses=total, start_date=as_of)
            session.add(sub)
            session.flush()
        else:
            sub.total_licenses, sub.customer_id = total, customer.id
        snap = session.exec(select(LicenseSnapshot).where(
            LicenseSnapshot.subscription_pk == sub.id, LicenseSnapshot.week_ending == week)).first()
        if snap is None:
            session.add(LicenseSnapshot(partner_id=partner_id, subscription_pk=sub.id, week_ending=week,
                                        total=total, assigned=used))
        else:
            snap.total, snap.assigned = total, used
    return len(totals), None


PART = OrgPart("licenses", _fetch_licenses, _write_licenses)
