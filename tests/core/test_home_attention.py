"""The App Home's "needs attention" figures, computed only as far as shown (issue 19 item 3):
the same rows and counts as turning the whole expiring table into rows and counting every
customer's statuses, cached or not."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pandas as pd
import pytest
from sqlmodel import Session

from partnerhub_core.analytics import cache
from partnerhub_core.analytics.attention import ending_within, status_counts
from partnerhub_core.analytics.common import INT, Column, Section
from partnerhub_core.analytics.subscriptions import overview
from partnerhub_core.models import CustomerStatus
from partnerhub_core.statuses import customer_statuses
from tests.factories import demo_partner_id

AS_OF = date(2026, 6, 3)


def _section(days: list) -> Section:
    table = pd.DataFrame({"customer": [f"C{i}" for i in range(len(days))],
                          "subscription_id": [f"S{i}" for i in range(len(days))],
                          "days_left": pd.array(days, dtype="Int64"), "hidden": range(len(days))})
    columns = [Column("customer", "Customer", "text"), Column("subscription_id", "Subscription", "text"),
               Column("days_left", "Days left", INT)]
    return Section("expiring", "Expiring", [], table, columns)


def test_ending_within_keeps_the_table_order_and_counts_all():
    section = _section([0, 3, None, 7, 8, 30, 2, None, 7])
    rows, count = ending_within(section, 7, 3)
    assert count == 5  # 0, 3, 7, 2, 7; unknown and 8, 30 left out
    assert rows == [{"customer": "C0", "subscription_id": "S0", "days_left": 0},
                    {"customer": "C1", "subscription_id": "S1", "days_left": 3},
                    {"customer": "C3", "subscription_id": "S3", "days_left": 7}]
    assert all(type(r["days_left"]) is int for r in rows)
    assert ending_within(section, 7, 10)[0][-2:] == [
        {"customer": "C6", "subscription_id": "S6", "days_left": 2},
        {"customer": "C8", "subscription_id": "S8", "days_left": 7}]
    assert ending_within(section, 7, 0) == ([], 5)
    assert ending_within(section, -1, 10) == ([], 0)
    assert ending_within(_section([]), 7, 10) == ([], 0)
    assert ending_within(_section([None, None]), 7, 10) == ([], 0)


@pytest.fixture
def demo(engine):
    return demo_partner_id(engine, customers=60, as_of=AS_OF, seed=5)


def test_ending_within_matches_filtering_every_row_of_the_demo(engine, settings, demo):
    with Session(engine) as s:
        for product in ("meetings", "calling"):
            _, sections = overview(session=s, partner_id=demo, as_of=AS_OF, settings=settings, product=product)
            every = sections["expiring"].rows()
            for days in (0, 7, 30, 90, 400):
                kept = [r for r in every if r.get("days_left") is not None and r["days_left"] <= days]
                for limit in (0, 1, 10, 10_000):
                    assert ending_within(sections["expiring"], days, limit) == (kept[:limit], len(kept))


def test_status_counts_equal_counting_every_customers_statuses_cached_or_not(engine, settings, demo):
    cache.clear()
    with Session(engine) as s:
        everyone = customer_statuses(session=s, partner_id=demo, as_of=AS_OF, settings=settings)
        visible = sorted(everyone)[:25]
        for ids in (None, visible):
            found = customer_statuses(session=s, partner_id=demo, as_of=AS_OF, settings=settings, customer_ids=ids)
            expected = dict(Counter(status for statuses in found.values() for status in statuses))
            with cache.disabled():
                assert status_counts(session=s, partner_id=demo, as_of=AS_OF, settings=settings,
                                     customer_ids=ids) == expected
            first = status_counts(session=s, partner_id=demo, as_of=AS_OF, settings=settings, customer_ids=ids)
            hits = cache.stats()["hits"]
            again = status_counts(session=s, partner_id=demo, as_of=AS_OF, settings=settings,
                                  customer_ids=iter(ids) if ids else None)
            assert cache.stats()["hits"] == hits + 1
            assert first == again == expected
            assert all(isinstance(k, CustomerStatus) and type(v) is int and v > 0 for k, v in again.items())
        everyone_counts = status_counts(session=s, partner_id=demo, as_of=AS_OF, settings=settings)
        assert everyone_counts  # the demo has customers with statuses: the comparison means something
        cache.clear()  # from the database level (another process's result)
        assert status_counts(session=s, partner_id=demo, as_of=AS_OF, settings=settings) == everyone_counts
        assert cache.shared_stats()["shared_hits"] == 1
