"""F9–F15 on a hand-made partner; every expected number is worked out in the comments.

as_of = Saturday 2026-03-14; window W = 90 days; low assignment: 25th percentile and < 50%.

Meetings lines in force (total / assigned / used 7d / used 90d on 03-14; 03-07 in brackets):
  Alpha   A1 100 / 50 / 30 / 35 [40 / 20]  start 2026-01-13 (60 d ago)  end 2027-01-13
  Bravo   B1 200 /150 /100 /140            start 2025-03-01            end 2026-04-13 (30 d)
  Charlie C1  50 / 60 / 45 / 55            start 2024-06-15            end 2026-05-13 (60 d) auto-renew
  Delta   D1 400 / 40 / 10 / 10 [30 / 8]   start 2025-09-30            end 2026-09-30      (EU)
  Echo    E1  20 /  8 /  6 /  6 [ 5 / 2]   trial, start 2026-03-01 (13 d)  end 2026-04-30 (47 d)
  Hotel   H1  10 /  2 /  1 /  1            start 2026-03-10 (4 d ago)  end 2027-03-10
Golf: a calling line 30 / 30 / 20, auto-renew, ends 2027-01-01; and a Meetings line that
ended 2025-12-31. Foxtrot: Messaging only (left out everywhere).

Meetings assignment ratios: D .1, H .2, E .4, A .5, B .75, C 1.2. 25th percentile (linear):
rank 0.25 * 5 = 1.25 -> .2 + .25 * (.4 - .2) = .25. Low: ratio <= .25 and < .5 -> Delta, Hotel.
"""
from datetime import date

import pytest

from partnerhub_core.analytics import subscriptions as subs
from partnerhub_core.errors import BadInput, NotFound
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription, make_tag

AS_OF = date(2026, 3, 14)
PREV = date(2026, 3, 7)


@pytest.fixture
def world(session):
    p = make_partner(session)
    c = {}

    def line(name, sub_id, total, start, end, now, prev=None, region="US", **kw):
        if name not in c:
            c[name] = make_customer(session, p, name, region=region)
        s = make_subscription(session, c[name], subscription_id=sub_id, total=total, start=start, end=end, **kw)
        if now:
            make_snapshot(session, s, AS_OF, assigned=now[0], used_7d=now[1], used_90d=now[2])
        if prev:
            make_snapshot(session, s, PREV, assigned=prev[0], used_7d=prev[1])
        return s

    line("Alpha", "A1", 100, date(2026, 1, 13), date(2027, 1, 13), (50, 30, 35), (40, 20))
    line("Bravo", "B1", 200, date(2025, 3, 1), date(2026, 4, 13), (150, 100, 140))
    line("Charlie", "C1", 50, date(2024, 6, 15), date(2026, 5, 13), (60, 45, 55), auto_renew=True)
    line("Delta", "D1", 400, date(2025, 9, 30), date(2026, 9, 30), (40, 10, 10), (30, 8), region="EU")
    line("Echo", "E1", 20, date(2026, 3, 1), date(2026, 4, 30), (8, 6, 6), (5, 2), is_trial=True)
    line("Hotel", "H1", 10, date(2026, 3, 10), date(2027, 3, 10), (2, 1, 1))
    line("Golf", "G1", 30, date(2025, 1, 1), date(2027, 1, 1), (30, 20, 20), product="calling", auto_renew=True)
    line("Golf", "G0", 30, date(2025, 1, 1), date(2025, 12, 31), None)
    line("Foxtrot", "F1", 500, date(2026, 3, 1), date(2026, 4, 1), (10, 5, 5), product="messaging")
    make_tag(session, p, "Key accounts", customers=[c["Alpha"], c["Charlie"]])
    return p, c


def call(fn, session, settings, partner, **kw):
    return fn(session=session, partner_id=partner.id, as_of=AS_OF, settings=settings, **kw)


def kpis(section):
    return {k.key: k.value for k in section.kpis}


def test_headline_kpis_over_meetings_and_calling(session, settings, world):
    p, _ = world
    got = kpis(call(subs.headline_kpis, session, settings, p))
    # 7 customers with a Meetings or Calling line (Foxtrot is Messaging only);
    # expiring (the guide: every line ending within 90 days, auto-renew too): Bravo (30 d),
    # Echo (47 d), Charlie (60 d, auto-renew); renewing (their auto-renew part): Charlie, who
    # is in both; low: Delta, Hotel; overage: Charlie.
    assert got == {"total_customers": 7, "expiring": 3, "renewing": 1, "low_assignment": 2, "overage": 1}
    # The earlier reading (a setting): auto-renew lines renew, they do not expire.
    earlier = settings.model_copy(update={"expiring_excludes_auto_renew": True})
    assert kpis(call(subs.headline_kpis, session, earlier, p)) == {
        "total_customers": 7, "expiring": 2, "renewing": 1, "low_assignment": 2, "overage": 1}


def test_headline_kpis_for_calling_only(session, settings, world):
    p, _ = world
    got = kpis(call(subs.headline_kpis, session, settings, p, product="calling"))
    # Golf alone; its single ratio 1.0 is the 25th percentile but not below 50%.
    assert got == {"total_customers": 1, "expiring": 0, "renewing": 0, "low_assignment": 0, "overage": 0}


def test_recently_added(session, settings, world):
    p, _ = world
    s = call(subs.recently_added, session, settings, p)
    assert kpis(s) == {"new_customers": 3, "total_licenses": 130}
    assert s.rows() == [
        # Hotel started after the 03-07 snapshot week, so its weekly change counts from 0.
        {"customer": "Hotel", "subscription_id": "H1", "days_since_added": 4, "total_licenses": 10,
         "used_7d": 1, "assigned": 2, "available": 8, "weekly_assigned_change": 2, "weekly_used_change": 1},
        {"customer": "Echo", "subscription_id": "E1", "days_since_added": 13, "total_licenses": 20,
         "used_7d": 6, "assigned": 8, "available": 12, "weekly_assigned_change": 3, "weekly_used_change": 4},
        {"customer": "Alpha", "subscription_id": "A1", "days_since_added": 60, "total_licenses": 100,
         "used_7d": 30, "assigned": 50, "available": 50, "weekly_assigned_change": 10, "weekly_used_change": 10},
    ]


def test_expiring(session, settings, world):
    p, _ = world
    s = call(subs.expiring, session, settings, p)
    # B1, E1 and the auto-renew C1: assigned (150 + 8 + 60) / total (200 + 20 + 50) = 218/270;
    # used (100 + 6 + 45) = 151/270.
    assert kpis(s) == {"customers": 3, "assignment_pct": pytest.approx(218 / 270),
                       "usage_pct": pytest.approx(151 / 270)}
    assert s.rows() == [
        {"customer": "Bravo", "subscription_id": "B1", "days_left": 30, "total_licenses": 200, "used_7d": 100,
         "assigned": 150, "available": 50, "used_90d": 140},
        {"customer": "Echo", "subscription_id": "E1", "days_left": 47, "total_licenses": 20, "used_7d": 6,
         "assigned": 8, "available": 12, "used_90d": 6},
        {"customer": "Charlie", "subscription_id": "C1", "days_left": 60, "total_licenses": 50, "used_7d": 45,
         "assigned": 60, "available": 0, "used_90d": 55},
    ]
    # The earlier reading: C1 renews instead; (150 + 8) / (200 + 20) = 158/220, used 106/220.
    earlier = call(subs.expiring, session, settings.model_copy(update={"expiring_excludes_auto_renew": True}), p)
    assert kpis(earlier) == {"customers": 2, "assignment_pct": pytest.approx(158 / 220),
                             "usage_pct": pytest.approx(106 / 220)}
    assert [r["subscription_id"] for r in earlier.rows()] == ["B1", "E1"]


def test_an_auto_renew_trial_renews_and_expires(session, settings, world):
    p, _ = world
    india = make_customer(session, p, "India")
    t = make_subscription(session, india, subscription_id="I1", total=15, start=date(2026, 3, 1),
                          end=date(2026, 4, 3), is_trial=True, auto_renew=True)  # 20 days ahead
    make_snapshot(session, t, AS_OF, assigned=5, used_7d=3, used_90d=3)
    renewing = call(subs.renewing, session, settings, p)
    # C1 (60 d) and the trial I1 (20 d): assigned (60 + 5) / (50 + 15) = 1.0; used (45 + 3) / 65.
    assert kpis(renewing) == {"customers": 2, "assignment_pct": pytest.approx(1.0),
                              "usage_pct": pytest.approx(48 / 65)}
    assert [(r["subscription_id"], r["days_left"]) for r in renewing.rows()] == [("I1", 20), ("C1", 60)]
    assert [r["subscription_id"] for r in call(subs.expiring, session, settings, p).rows()] == [
        "I1", "B1", "E1", "C1"]
    assert kpis(call(subs.headline_kpis, session, settings, p))["renewing"] == 2  # Charlie, India
    earlier = settings.model_copy(update={"expiring_excludes_auto_renew": True})
    assert [r["subscription_id"] for r in call(subs.renewing, session, earlier, p).rows()] == ["C1"]
    assert [r["subscription_id"] for r in call(subs.expiring, session, earlier, p).rows()] == ["I1", "B1", "E1"]


def test_renewing(session, settings, world):
    p, _ = world
    s = call(subs.renewing, session, settings, p)
    assert kpis(s) == {"customers": 1, "assignment_pct": pytest.approx(1.2), "usage_pct": pytest.approx(0.9)}
    assert s.rows() == [
        {"customer": "Charlie", "subscription_id": "C1", "days_left": 60, "total_licenses": 50, "used_7d": 45,
         "assigned": 60, "available": 0, "used_90d": 55},
    ]


def test_low_assignment(session, settings, world):
    p, _ = world
    s = call(subs.low_assignment, session, settings, p)
    # assigned 40 + 2 = 42 of 410; used 10 + 1 = 11 of 42 assigned; unassigned 360 + 8.
    assert kpis(s) == {"customers": 2, "assignment_pct": pytest.approx(42 / 410),
                       "usage_when_assigned_pct": pytest.approx(11 / 42), "unassigned": 368}
    assert {k: str(v) for k, v in s.kpi("customers").hint_params.items()} == {
        "percentile": "25", "threshold": "25.0%", "max_ratio": "50%"}
    assert s.rows() == [
        # 2025-09-30 -> 2026-03-14: 5 completed months; 2026-03-10 -> 03-14: 0.
        {"customer": "Delta", "subscription_id": "D1", "months_since_added": 5, "assigned": 40,
         "assigned_pct": pytest.approx(0.1), "total_licenses": 400, "used_7d": 10, "available": 360,
         "weekly_assigned_change": 10},
        {"customer": "Hotel", "subscription_id": "H1", "months_since_added": 0, "assigned": 2,
         "assigned_pct": pytest.approx(0.2), "total_licenses": 10, "used_7d": 1, "available": 8,
         "weekly_assigned_change": 2},
    ]


def test_overage(session, settings, world):
    p, _ = world
    s = call(subs.overage, session, settings, p)
    assert kpis(s) == {"customers": 1, "overage_licenses": 10, "average_overage": 10.0}
    assert s.rows() == [
        # 2026-03-14 -> 2026-05-13: one completed month.
        {"customer": "Charlie", "subscription_id": "C1", "months_remaining": 1, "auto_renew": True,
         "total_licenses": 50, "assigned": 60, "assigned_pct": pytest.approx(1.2), "used_7d": 45,
         "used_pct": pytest.approx(0.9), "overage": 10},
    ]


def test_region_filter_narrows_rows_but_not_the_peer_threshold(session, settings, world):
    p, _ = world
    s = call(subs.low_assignment, session, settings, p, region="eu")
    assert [r["customer"] for r in s.rows()] == ["Delta"]
    assert s.kpi("customers").hint_params["threshold"].shown("pt_BR") == "25,0%"


def test_tag_and_customer_filters(session, settings, world):
    p, c = world
    s = call(subs.recently_added, session, settings, p, tag="key ACCOUNTS")
    assert [r["customer"] for r in s.rows()] == ["Alpha"]
    s = call(subs.expiring, session, settings, p, customer_ids=[c["Bravo"].id])
    assert [r["customer"] for r in s.rows()] == ["Bravo"]
    assert kpis(s)["assignment_pct"] == pytest.approx(0.75)


def test_calling_toggle_shows_only_calling_lines(session, settings, world):
    p, _ = world
    assert call(subs.recently_added, session, settings, p, product="calling").rows() == []
    s = call(subs.low_assignment, session, settings, p, product="calling")
    assert s.rows() == [] and kpis(s)["assignment_pct"] is None


def test_license_trend(session, settings, world):
    p, _ = world
    s = call(subs.license_trend, session, settings, p)
    # 03-07: A 100/40/20, D 400/30/8, E 20/5/2. 03-14: every Meetings line in force.
    # Newest week first.
    assert s.rows() == [
        {"week_ending": date(2026, 3, 14), "total_licenses": 780, "assigned": 310, "used_7d": 192,
         "assigned_pct": pytest.approx(310 / 780), "used_pct": pytest.approx(192 / 780)},
        {"week_ending": date(2026, 3, 7), "total_licenses": 520, "assigned": 75, "used_7d": 30,
         "assigned_pct": pytest.approx(75 / 520), "used_pct": pytest.approx(30 / 520)},
    ]
    assert kpis(s)["total_licenses"] == 780  # the KPIs are the newest week's
    assert kpis(call(subs.license_trend, session, settings, p, region="EU"))["total_licenses"] == 400


def test_overview_matches_the_single_sections(session, settings, world):
    p, _ = world
    head, sections = call(subs.overview, session, settings, p)
    assert kpis(head) == kpis(call(subs.headline_kpis, session, settings, p))
    assert list(sections) == ["recent", "expiring", "renewing", "low", "overage"] == list(subs.SECTIONS)
    for key, fn in subs.SECTIONS.items():
        alone = call(fn, session, settings, p)
        assert sections[key].rows() == alone.rows() and kpis(sections[key]) == kpis(alone)


def test_window_edges_are_inclusive(session, settings):
    p = make_partner(session)
    c = make_customer(session, p, "Edge")
    make_subscription(session, c, subscription_id="IN", start=date(2025, 12, 14), end=date(2026, 6, 12))
    make_subscription(session, c, subscription_id="OUT", start=date(2025, 12, 13), end=date(2026, 6, 13))
    # 2025-12-14 is 90 days before as_of and 2026-06-12 is 90 days after; the others are 91.
    assert [r["subscription_id"] for r in call(subs.recently_added, session, settings, p).rows()] == ["IN"]
    assert [r["subscription_id"] for r in call(subs.expiring, session, settings, p).rows()] == ["IN"]


def test_lines_without_a_snapshot_are_not_measured_for_low_assignment(session, settings, world):
    p, _ = world
    fresh = make_customer(session, p, "India")
    make_subscription(session, fresh, subscription_id="I1", total=40, start=date(2026, 3, 13), end=date(2027, 3, 13))
    s = call(subs.low_assignment, session, settings, p)
    # India (no snapshot yet) is neither low nor counted among the peers: same as before.
    assert [r["customer"] for r in s.rows()] == ["Delta", "Hotel"]
    recent = call(subs.recently_added, session, settings, p).rows()
    assert recent[0] == {"customer": "India", "subscription_id": "I1", "days_since_added": 1, "total_licenses": 40,
                         "used_7d": 0, "assigned": 0, "available": 40, "weekly_assigned_change": None,
                         "weekly_used_change": None}


def test_bad_product_region_and_tag(session, settings, world):
    p, _ = world
    with pytest.raises(BadInput):
        call(subs.expiring, session, settings, p, product="messaging")
    with pytest.raises(BadInput):
        call(subs.expiring, session, settings, p, region="Mars")
    with pytest.raises(NotFound) as err:
        call(subs.expiring, session, settings, p, tag="Key acounts")
    assert err.value.suggestions == ["Key accounts"]


def test_months_between_counts_completed_calendar_months():
    import pandas as pd

    from partnerhub_core.analytics.common import months_between

    start = pd.Series([date(2026, 1, 31), date(2026, 1, 31), date(2025, 3, 14), date(2026, 5, 13), None])
    end = pd.Series([date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 14), date(2026, 3, 14), date(2026, 1, 1)])
    # Jan 31 -> Feb 28: 0; -> Mar 1: 1; a year to the day: 12; end before start: -1 (May 13 -> Mar 14); missing: NA.
    assert months_between(start, end).tolist() == [0, 1, 12, -1, pd.NA]
