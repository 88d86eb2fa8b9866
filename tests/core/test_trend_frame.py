"""The licence trend (F10) reads its weekly sums column-wise (``analytics.common._frame``,
issue 19 item 3): the same values and dtypes as summing the ORM objects, on both databases."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pandas as pd
import sqlalchemy as sa
import pytest
from sqlmodel import Session, select

from partnerhub_core.analytics.subscription_trend import license_trend
from partnerhub_core.models import Customer, LicenseSnapshot, Subscription
from tests.factories import demo_partner_id

AS_OF = date(2026, 6, 3)


@pytest.fixture
def demo(engine):
    return demo_partner_id(engine, customers=30, as_of=AS_OF, seed=11)


def _by_hand(s: Session, pid: int, product: str, region: str | None) -> dict[date, list[int]]:
    """Week -> [total, assigned, used sum, used known, lines], from the ORM objects."""
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    rows = s.exec(select(LicenseSnapshot, Subscription, Customer)
                  .where(LicenseSnapshot.subscription_pk == Subscription.id, Subscription.customer_id == Customer.id,
                         LicenseSnapshot.partner_id == pid)).all()
    for snap, sub, cust in rows:
        if sub.product != product or (region and cust.region != region):
            continue
        if not AS_OF - timedelta(weeks=52) < snap.week_ending <= AS_OF:
            continue
        w = weeks[snap.week_ending]
        w[0] += snap.total or 0
        w[1] += snap.assigned or 0
        w[2] += snap.used_7d or 0
        w[3] += snap.used_7d is not None
        w[4] += 1
    return weeks


@pytest.mark.parametrize("product,region", [("meetings", None), ("calling", None), ("meetings", "US")])
def test_trend_frame_sums_the_snapshots_with_the_same_dtypes(engine, settings, demo, product, region):
    with Session(engine) as s:
        section = license_trend.uncached(session=s, partner_id=demo, as_of=AS_OF, settings=settings,
                                         product=product, region=region)
        expected = _by_hand(s, demo, product, region)
    table = section.table
    assert len(table) == len(expected) > 0
    assert {c: str(t) for c, t in table.dtypes.items()} == {
        "week_ending": "object", "total_licenses": "int64", "assigned": "int64", "used_7d": "Int64",
        "assigned_pct": "float64", "used_pct": "float64"}
    assert all(type(w) is date for w in table["week_ending"])
    assert list(table["week_ending"]) == sorted(expected, reverse=True)  # newest first
    for week, total, assigned, used in zip(table["week_ending"], table["total_licenses"], table["assigned"],
                                           table["used_7d"]):
        t, a, u, known, lines = expected[week]
        assert (total, assigned) == (t, a)
        assert pd.isna(used) or (known == lines and used == u)


def test_trend_without_lines_is_an_empty_frame(engine, settings, demo):
    with Session(engine) as s:
        section = license_trend.uncached(session=s, partner_id=demo, as_of=AS_OF, settings=settings,
                                         customer_ids=[])
    assert len(section.table) == 0
    assert list(section.table.columns) == ["week_ending", "total_licenses", "assigned", "used_7d", "assigned_pct",
                                           "used_pct"]
    assert section.kpi("total_licenses").value is None


def _same_section(a, b) -> None:
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.to_dict() == b.to_dict()


@pytest.mark.parametrize("filters", [{}, {"region": "US"}, {"customer_ids": [1, 2, 3, 4, 5]}, {"customer_ids": []}])
def test_trends_of_both_products_in_one_query_are_each_products_trend(engine, settings, demo, filters):
    """The digest's charts (``license_trends``): one aggregate for both products, each the
    same section as ``license_trend`` of that product alone (values, dtypes, KPIs, notes)."""
    from partnerhub_core.analytics import cache
    from partnerhub_core.analytics.subscription_trend import license_trends

    sums = []

    def count(conn, cursor, statement, *args):
        # The aggregate (filtered), or the maintained weekly totals (unfiltered).
        if "sum(" in statement.lower() or "from licenseweektotal" in statement.lower():
            sums.append(statement)

    cache.clear()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        with Session(engine) as s, cache.local_only():
            both = license_trends(session=s, partner_id=demo, as_of=AS_OF, settings=settings, **filters)
            assert len(sums) == 1  # one query for the two products
            alone = {p: license_trend.uncached(session=s, partner_id=demo, as_of=AS_OF, settings=settings,
                                               product=p, **filters) for p in ("meetings", "calling")}
            # each product kept under license_trend's own key: the Slack `trend` is then a hit
            hits = cache.stats()["hits"]
            license_trend(session=s, partner_id=demo, as_of=AS_OF, settings=settings, product="calling", **filters)
            assert cache.stats()["hits"] == hits + 1
            sums.clear()
            again = license_trends(session=s, partner_id=demo, as_of=AS_OF, settings=settings, **filters)
            assert sums == []  # both cached
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
        cache.clear()
    assert list(both) == ["meetings", "calling"]
    for product in both:
        _same_section(both[product], alone[product])
        _same_section(again[product], alone[product])
