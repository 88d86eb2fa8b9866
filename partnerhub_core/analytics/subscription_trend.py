"""The licence trend (F10): weekly totals of every product a digest charts, in one query:
the maintained ``LicenseWeekTotal`` rows when the whole partner is charted, an aggregate
of the snapshots when a region, tag or customer list narrows it."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from partnerhub_core.analytics.cache import cached
from partnerhub_core.analytics.common import INT, PERCENT, Column, Kpi, Section, _frame, ratio, resolve_tag
from partnerhub_core.analytics.subscription_frame import PRODUCTS, _share, check_product, check_region
from partnerhub_core.analytics.usage import note_usage, usage_state
from partnerhub_core.i18n import N_
from partnerhub_core import snapshot_totals
from partnerhub_core.models import Customer, CustomerTag, LicenseSnapshot, LicenseWeekTotal, Subscription
from partnerhub_core.settings import Settings

TREND_WEEKS = 52


@cached("trend")
def license_trend(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    product: str = "meetings",
    region: str | None = None,
    tag: str | None = None,
    customer_ids: Iterable[int] | None = None,
    weeks: int = TREND_WEEKS,
) -> Section:
    """F10: per week (ending Saturday, newest first) of the last ``weeks`` weeks up to ``as_of``, the sum
    over the product's lines of total, assigned and used (last 7 days) licenses, from the
    weekly snapshots (so a line counts in the weeks it existed). One aggregate query."""
    product = check_product(product)
    return _trends(session, partner_id=partner_id, as_of=as_of, settings=settings, products=(product,),
                   region=region, tag=tag, customer_ids=customer_ids, weeks=weeks)[product]


def license_trends(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    products: Iterable[str] = PRODUCTS,
    region: str | None = None,
    tag: str | None = None,
    customer_ids: Iterable[int] | None = None,
    weeks: int = TREND_WEEKS,
) -> dict[str, Section]:
    """``license_trend`` of each product (a digest's charts): what the cache holds, and the
    rest from one aggregate query grouped by product too. Each product's query reads every
    line's snapshots of the weeks (the week index), so two products cost about one."""
    products = [check_product(p) for p in products]
    ids = None if customer_ids is None else sorted(set(customer_ids))
    kw = dict(as_of=as_of, settings=settings, region=region, tag=tag, customer_ids=ids, weeks=weeks)
    found, savers = {}, {}
    for product in products:
        hit, value, save = license_trend.lookup(session=session, partner_id=partner_id, product=product, **kw)
        if hit:
            found[product] = value
        else:
            savers[product] = save
    if savers:
        built = _trends(session, partner_id=partner_id, products=tuple(savers), **kw)
        for product, save in savers.items():
            save(built[product])
            found[product] = built[product]
    return {p: found[p] for p in products}


def _trends(session: Session, *, partner_id: int, as_of: date, settings: Settings, products: tuple[str, ...],
            region: str | None, tag: str | None, customer_ids: Iterable[int] | None,
            weeks: int) -> dict[str, Section]:
    region = check_region(region)
    since = as_of - timedelta(weeks=weeks)
    if region or tag or customer_ids is not None:
        stmt = _filtered_sums(session, partner_id, products, as_of, since, region, tag, customer_ids)
    else:
        # What the digest and the overview chart: the maintained weekly totals
        # (snapshot_totals.py), a few hundred rows instead of 52 weeks of every line's
        # snapshots. Settled first: this session's own uncommitted snapshot writes count.
        snapshot_totals.settle(session, partner_id)
        t = LicenseWeekTotal
        stmt = (
            select(t.week_ending, t.product, t.total, t.assigned, t.used_7d, t.used_known, t.lines)
            .where(t.partner_id == partner_id,
                   t.product == products[0] if len(products) == 1 else t.product.in_(products),
                   t.week_ending <= as_of, t.week_ending > since)
            .order_by(t.week_ending, t.product)
        )
    # Read column-wise like the other loaders (``_frame``: the driver's tuples, SQLAlchemy's
    # own processors, so the same values and dtypes as ORM rows gave).
    sums = _frame(session, stmt, ["week_ending", "product", "total_licenses", "assigned", "used_7d", "used_known",
                                  "lines"])
    usage = usage_state(session, partner_id=partner_id, as_of=as_of, settings=settings)
    out = {}
    for product in products:
        df = sums[sums["product"] == product].drop(columns=["product"]).reset_index(drop=True)
        out[product] = _section(df, product, as_of, usage)
    return out


def _filtered_sums(session: Session, partner_id: int, products: tuple[str, ...], as_of: date, since: date,
                   region: str | None, tag: str | None, customer_ids: Iterable[int] | None):
    """The weekly sums of the lines of some customers: aggregated from the snapshots (the
    totals table has no per-customer grain)."""
    ls, sub, cust = LicenseSnapshot, Subscription, Customer
    stmt = (
        select(ls.week_ending, sub.product, func.sum(ls.total), func.sum(ls.assigned), func.sum(ls.used_7d),
               func.count(ls.used_7d), func.count())
        .join(sub, sub.id == ls.subscription_pk)
        .where(ls.partner_id == partner_id, sub.partner_id == partner_id,
               sub.product == products[0] if len(products) == 1 else sub.product.in_(products),
               ls.week_ending <= as_of, ls.week_ending > since)
        .group_by(ls.week_ending, sub.product)
        .order_by(ls.week_ending, sub.product)
        # Customers joined only to filter: a line's customer is its partner's (same partner_id
        # on both), and at 100,000 customers the join is a third of the query.
        .join(cust, cust.id == sub.customer_id)
    )
    if region:
        stmt = stmt.where(cust.region == region)
    if tag:
        tag_row = resolve_tag(session, partner_id, tag)
        stmt = stmt.where(cust.id.in_(select(CustomerTag.customer_id).where(CustomerTag.tag_id == tag_row.id)))
    if customer_ids is not None:
        stmt = stmt.where(cust.id.in_(sorted(set(customer_ids)) or [-1]))
    return stmt


def _section(df: pd.DataFrame, product: str, as_of: date, usage) -> Section:
    """One product's weekly sums (oldest first) as the trend section."""
    for col in ("total_licenses", "assigned"):
        df[col] = pd.to_numeric(df[col]).fillna(0).astype("int64")
    # A week's usage is known only when every line of it has a usage figure: a sum over
    # some of them is not that week's usage (analytics/usage.py).
    complete = (pd.to_numeric(df["used_known"]) == pd.to_numeric(df["lines"])) & (not usage.stale)
    df["used_7d"] = pd.to_numeric(df["used_7d"]).astype("Int64").where(complete, pd.NA)
    df = df.drop(columns=["used_known", "lines"])
    df["assigned_pct"] = _share(df["assigned"], df["total_licenses"])
    df["used_pct"] = _share(df["used_7d"], df["total_licenses"])
    last = df.iloc[-1] if len(df) else None
    kpis = [
        Kpi("total_licenses", N_("Total licenses"), None if last is None else int(last["total_licenses"])),
        Kpi("assigned", N_("Assigned"), None if last is None else int(last["assigned"])),
        Kpi("used", N_("Used (last 7 days)"),
            None if last is None or pd.isna(last["used_7d"]) else int(last["used_7d"])),
        Kpi("assignment_pct", N_("License assignment"),
            None if last is None else ratio(int(last["assigned"]), int(last["total_licenses"])), PERCENT),
        Kpi("usage_pct", N_("License usage (last 7 days)"),
            None if last is None or pd.isna(last["used_pct"]) else float(last["used_pct"]), PERCENT),
    ]
    columns = [
        Column("week_ending", N_("Week ending"), "date"),
        Column("total_licenses", N_("Total licenses"), INT),
        Column("assigned", N_("Assigned"), INT),
        Column("used_7d", N_("Used"), INT),
        Column("assigned_pct", N_("Assigned %"), PERCENT),
        Column("used_pct", N_("Used %"), PERCENT),
    ]
    # Newest week first: every view that shows a few rows (Slack, ``--limit``) shows the latest.
    df = df.iloc[::-1].reset_index(drop=True)
    section = Section("trend", N_("License distribution trend"), kpis, df, columns, product=product, as_of=as_of)
    return note_usage(section, usage, unit="weeks")
