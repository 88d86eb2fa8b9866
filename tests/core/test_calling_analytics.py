"""Calling analytics (F16–F19) on a small hand-made set of daily rollups.

as_of is Wednesday 2026-11-25: the last completed week ends Saturday 2026-11-21, the
week before on 2026-11-14, and the 8-week trend starts with the week ending 2026-10-03.
"""
from __future__ import annotations

from datetime import date

import pytest

from partnerhub_core.analytics.calling import CALLING_SECTIONS, features, quality, queues, usage
from partnerhub_core.calling import ROLLUP_SUMS
from partnerhub_core.models import CallRollup
from partnerhub_core.settings import Settings
from partnerhub_core.timeutil import week_ending
from tests.core.calling_world import make_customer, make_partner

AS_OF = date(2026, 11, 25)
S = Settings()


def _rollup(session, partner, customer, day, endpoint="desk_phone", location="loc-1", **sums):
    row = CallRollup(partner_id=partner.id, customer_id=customer.id, day=day, week_ending=week_ending(day),
                     location_id=location, location_name="HQ", endpoint_type=endpoint,
                     **{name: 0 for name in ROLLUP_SUMS})
    for name, value in sums.items():
        setattr(row, name, value)
    session.add(row)


@pytest.fixture
def world(session):
    p = make_partner(session)
    alpha = make_customer(session, p, "org-alpha", "Alpha", region="US")
    beta = make_customer(session, p, "org-beta", "Beta", region="EU")
    make_customer(session, p, "org-gamma", "Gamma", region="US")  # no calling data at all
    delta = make_customer(session, p, "org-delta", "Delta", region="CA")
    # Alpha, last week: a desk phone day with queues and features, and a Webex App day
    _rollup(session, p, alpha, date(2026, 11, 16), calls=40, legs=70, legs_with_media=50, poor_legs=5,
            duration_s=6000, queue_calls=20, queue_answered=14, queue_abandoned=4, queue_transferred=2,
            queue_answer_wait_s=480.0, queue_abandon_wait_s=200.0, hunt_group_calls=7,
            auto_attendant_calls=12)
    _rollup(session, p, alpha, date(2026, 11, 17), endpoint="webex_app", calls=10, legs=20,
            legs_with_media=20, duration_s=1200)
    # Alpha, the week before, and 8 weeks back; one row just outside the window
    _rollup(session, p, alpha, date(2026, 11, 10), calls=100, legs=150, legs_with_media=100, poor_legs=2,
            duration_s=9000, queue_calls=10, queue_answered=9, queue_abandoned=1,
            queue_answer_wait_s=90.0, queue_abandon_wait_s=20.0)
    _rollup(session, p, alpha, date(2026, 9, 28), calls=62, legs=62)
    _rollup(session, p, alpha, date(2026, 9, 21), calls=999, legs=999, queue_calls=99)
    # Beta: a room device, poor last week
    _rollup(session, p, beta, date(2026, 11, 20), endpoint="room_device", calls=30, legs=30,
            legs_with_media=30, poor_legs=6, duration_s=3600)
    _rollup(session, p, beta, date(2026, 11, 12), endpoint="room_device", calls=22, legs=22,
            legs_with_media=20, duration_s=1800)
    # Delta: queue calls only 8 weeks back
    _rollup(session, p, delta, date(2026, 9, 30), legs=5, queue_calls=5, queue_answered=5,
            queue_answer_wait_s=50.0)
    session.flush()
    return p


def test_usage_kpis_trend_and_falling_customers_first(session, world):
    s = usage(session=session, partner_id=world.id, as_of=AS_OF, settings=S)
    assert s.week_ending == date(2026, 11, 21)
    assert s.kpi("calls").value == 80  # 40 + 10 + 30
    assert s.kpi("calls_change").value == pytest.approx(-42 / 122)  # from 100 + 22
    assert s.kpi("legs").value == 120
    assert s.kpi("minutes").value == 180.0  # (6000 + 1200 + 3600) / 60
    assert s.kpi("active_customers").value == 2
    assert list(s.trend["week_ending"]) == [date(2026, 10, 3) + (date(2026, 10, 10) - date(2026, 10, 3)) * i
                                            for i in range(8)]
    assert list(s.trend["calls"]) == [62, 0, 0, 0, 0, 0, 122, 80]
    rows = s.rows()
    assert [r["customer"] for r in rows] == ["Alpha", "Beta", "Delta"]
    alpha, beta, delta = rows
    assert (alpha["calls"], alpha["calls_prev"], alpha["legs"], alpha["minutes"]) == (50, 100, 90, 120.0)
    assert alpha["calls_change"] == pytest.approx(-0.5)
    assert alpha["calls_avg"] == 26.5  # (50 + 100 + 62) / 8
    assert beta["calls_change"] == pytest.approx(8 / 22)
    assert beta["calls_avg"] == 6.5  # (30 + 22) / 8
    assert (delta["calls"], delta["calls_change"]) == (0, None)


def test_usage_region_filter(session, world):
    s = usage(session=session, partner_id=world.id, as_of=AS_OF, settings=S, region="EU")
    assert s.kpi("calls").value == 30
    assert [r["customer"] for r in s.rows()] == ["Beta"]


def test_quality_trend_endpoint_breakdown_and_poor_customers(session, world):
    s = quality(session=session, partner_id=world.id, as_of=AS_OF, settings=S)
    assert s.kpi("legs_with_media").value == 100
    assert s.kpi("poor_legs").value == 11
    assert s.kpi("poor_share").value == pytest.approx(0.11)
    assert s.kpi("customers_with_poor").value == 2
    assert s.to_dict()["kpis"][2]["hint"].startswith(
        "A call leg is poor when its audio or video jitter is above 150 ms, its latency above 400 ms "
        "or its packet loss above 5%")
    assert s.trend["poor_share"].iloc[-2] == pytest.approx(2 / 120)
    by = {r["endpoint"]: (r["legs_with_media"], r["poor_legs"], r["poor_share"])
          for r in s.to_dict()["breakdown"]["rows"]}
    assert by == {"Desk phone": (50, 5, 0.1), "Room device": (30, 6, 0.2), "Webex App": (20, 0, 0.0),
                  "Third-party device": (0, 0, None)}
    rows = s.rows()
    assert [(r["customer"], r["legs_with_media"], r["poor_legs"]) for r in rows] == [
        ("Beta", 30, 6), ("Alpha", 70, 5)]
    assert rows[0]["poor_share"] == pytest.approx(0.2)
    assert rows[1]["poor_share"] == pytest.approx(5 / 70)


def test_features_for_customers_with_call_queues(session, world):
    s = features(session=session, partner_id=world.id, as_of=AS_OF, settings=S)
    assert s.kpi("customers_with_queues").value == 2  # Alpha, Delta (Beta has no queue)
    assert [(k.key, k.value) for k in s.kpis[1:]] == [
        ("queue_calls", 20), ("hunt_group_calls", 7), ("auto_attendant_calls", 12),
        ("call_park_calls", 0), ("call_pickup_calls", 0), ("voicemail_calls", 0)]
    rows = s.rows()
    assert [(r["customer"], r["queue_calls"], r["hunt_group_calls"], r["auto_attendant_calls"])
            for r in rows] == [("Alpha", 20, 7, 12), ("Delta", 0, 0, 0)]


def test_queue_kpis_and_table(session, world):
    s = queues(session=session, partner_id=world.id, as_of=AS_OF, settings=S)
    assert s.kpi("queue_calls").value == 20
    assert s.kpi("avg_answer_s").value == 30.0  # 480 s over 14 answered + 2 transferred
    assert s.kpi("avg_abandon_wait_s").value == 50.0  # 200 s over 4 abandoned
    assert s.kpi("abandon_rate").value == pytest.approx(0.2)  # 4 of 20
    rows = s.rows()
    assert len(rows) == 1
    alpha = rows[0]
    assert (alpha["customer"], alpha["queue_calls"], alpha["queue_answered"], alpha["queue_abandoned"]) == (
        "Alpha", 20, 14, 4)
    assert alpha["abandon_rate"] == pytest.approx(0.2)
    assert alpha["abandon_rate_prev"] == pytest.approx(0.1)
    assert (alpha["avg_answer_s"], alpha["avg_abandon_wait_s"], alpha["queue_transferred"]) == (30.0, 50.0, 2)
    assert list(s.trend["queue_calls"]) == [5, 0, 0, 0, 0, 0, 10, 20]


def test_sections_without_any_data_are_empty_not_errors(session):
    p = make_partner(session)
    make_customer(session, p, "org-x", "Xeno")
    for key, fn in CALLING_SECTIONS.items():
        s = fn(session=session, partner_id=p.id, as_of=AS_OF, settings=S)
        assert s.rows() == [], key
        assert s.to_dict()["key"] == key
    q = queues(session=session, partner_id=p.id, as_of=AS_OF, settings=S)
    assert q.kpi("abandon_rate").value is None and q.kpi("queue_calls").value == 0


def test_sections_are_scoped_to_the_partner(session, world):
    other = make_partner(session, "Other")
    s = usage(session=session, partner_id=other.id, as_of=AS_OF, settings=S)
    assert s.kpi("calls").value == 0 and s.rows() == []


def test_calling_regions_are_those_of_customers_with_calling_data(session, world):
    from partnerhub_core.analytics.calling import calling_regions
    from partnerhub_core.models import Customer

    assert calling_regions(session, partner_id=world.id) == ["US", "CA", "EU"]  # Gamma (US) has none
    beta = session.query(Customer).filter_by(org_id="org-beta").one()
    assert calling_regions(session, partner_id=world.id, customer_ids={beta.id}) == ["EU"]
