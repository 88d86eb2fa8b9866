"""alert_inputs.load_queue_weeks groups the rollups once per customer with a pair of sums
per week (FILTER); its rows must be those of the per-(customer, week) grouping it replaced
(``_queue_weeks_grouped``, still the fallback), on both databases."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from partnerhub_core import alerts
from partnerhub_core.alert_inputs import _queue_weeks_grouped, load_queue_weeks
from partnerhub_core.models import CallRollup
from tests.factories import make_customer, make_partner

W = date(2026, 11, 21)  # a Saturday: the last completed week of 2026-11-23


def _rollup(session, customer, week: date, calls: int, abandoned: int, *, day: date | None = None,
            location: str = "HQ", endpoint: str = "desk") -> None:
    session.add(CallRollup(partner_id=customer.partner_id, customer_id=customer.id, day=day or week,
                           week_ending=week, location_id=location, location_name=location, endpoint_type=endpoint,
                           queue_calls=calls, queue_abandoned=abandoned))


def _world(session):
    p = make_partner(session, "Partner")
    other = make_partner(session, "Other")
    a, b, c = (make_customer(session, p, name) for name in ("Alpha", "Beta", "Gamma"))
    stranger = make_customer(session, other, "Stranger")
    for i in range(5):
        week = W - timedelta(days=7 * i)
        # Alpha: every week, two locations and two days a week (summed into one row)
        _rollup(session, a, week, 10 + i, i, location="HQ")
        _rollup(session, a, week, 5, 1, day=week - timedelta(days=3), location="Branch")
        if i % 2 == 0:  # Beta: every other week
            _rollup(session, b, week, 40, 20 - i, endpoint="soft")
        _rollup(session, stranger, week, 99, 99)
    _rollup(session, c, W, 0, 0)  # Gamma: a week with no queue calls is still a row
    _rollup(session, a, W - timedelta(days=7 * 5), 1000, 1000)  # before the window
    _rollup(session, a, W + timedelta(days=7), 1000, 1000)  # after it
    session.flush()
    return p, (a, b, c)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["customer_id", "week_ending"]).reset_index(drop=True)


def _same(session, p, **kw):
    first = W - timedelta(days=7 * kw["weeks"])
    new = load_queue_weeks(session, partner_id=p.id, week=W, **kw)
    old = _queue_weeks_grouped(session, partner_id=p.id, first=first, week=W, customer_ids=kw["customer_ids"])
    pd.testing.assert_frame_equal(_sorted(new), _sorted(old))
    return new


def test_one_group_per_customer_gives_the_rows_of_one_per_customer_and_week(session):
    p, (a, b, c) = _world(session)
    new = _same(session, p, weeks=4, customer_ids=None)
    assert len(new) == 5 + 3 + 1
    alpha = new[new["customer_id"] == a.id].set_index("week_ending")
    assert (alpha.at[W, "queue_calls"], alpha.at[W, "queue_abandoned"]) == (15, 1)
    assert list(new["week_ending"]) == sorted(new["week_ending"])  # by week
    _same(session, p, weeks=1, customer_ids=None)
    _same(session, p, weeks=12, customer_ids=None)
    _same(session, p, weeks=4, customer_ids={a.id, c.id})
    assert load_queue_weeks(session, partner_id=p.id, week=W, weeks=4, customer_ids=set()).empty
    assert alerts.load_queue_weeks is load_queue_weeks


def test_a_rollup_on_another_day_than_a_saturday_falls_back_to_the_grouping(session):
    p, (a, b, c) = _world(session)
    odd = W - timedelta(days=2)  # a Thursday week_ending: never written, still read as before
    _rollup(session, b, odd, 7, 3)
    session.flush()
    new = _same(session, p, weeks=4, customer_ids=None)
    assert odd in set(new["week_ending"])


def test_no_rollups_is_empty(session):
    p = make_partner(session, "Partner")
    make_customer(session, p, "Alpha")
    session.flush()
    assert load_queue_weeks(session, partner_id=p.id, week=W, weeks=4, customer_ids=None).empty
