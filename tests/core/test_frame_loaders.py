"""The column-wise frame loaders (analytics/frames.py ``_frame``) and the column-wise alert
rows (alert_rules ``_rows``, ``abandoned_spikes``): values, dtypes and order by hand, on
SQLite and PostgreSQL (issue 19 item 8)."""
from dataclasses import replace
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd

from partnerhub_core.alert_rules import _rows, abandoned_spikes
from partnerhub_core.analytics.calling_base import weekly_rollups
from partnerhub_core.analytics.common import Section, load_customers, load_latest_snapshots, load_subscriptions
from partnerhub_core.models import CallRollup
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription

AS_OF = date(2026, 3, 14)  # a Saturday: the newest snapshot week
W = date(2026, 3, 14)


def _week(days_before: int) -> date:
    return date.fromordinal(W.toordinal() - days_before)


def test_subscriptions_keep_python_booleans_and_datetime_columns(session):
    p = make_partner(session)
    c = make_customer(session, p, "Acme", sign_in_checked_at=None)
    make_subscription(session, c, is_trial=True, auto_renew=False, end=None, subscription_id="S1")
    make_subscription(session, c, product="calling", is_trial=False, auto_renew=True, end=date(2026, 6, 30),
                      subscription_id="S2")
    session.flush()
    subs = load_subscriptions(session, partner_id=p.id).sort_values("subscription_id").reset_index(drop=True)
    # SQLite stores booleans as 0/1: the loader gives bool, as SQLAlchemy's Row did.
    assert subs["is_trial"].dtype == bool and subs["auto_renew"].dtype == bool
    assert subs["is_trial"].tolist() == [True, False]
    assert subs["auto_renew"].tolist() == [False, True]
    assert str(subs["end_date"].dtype).startswith("datetime64")
    assert pd.isna(subs.loc[0, "end_date"]) and subs.loc[1, "end_date"] == pd.Timestamp(2026, 6, 30)
    assert subs["total_licenses"].dtype == "int64"
    customers = load_customers(session, partner_id=p.id)
    assert str(customers["sign_in_checked_at"].dtype).startswith("datetime64")
    assert pd.isna(customers.loc[0, "sign_in_checked_at"])
    assert customers["customer"].tolist() == ["Acme"]


def test_latest_snapshot_and_last_week_per_line_picked_without_a_window_query(session):
    p = make_partner(session)
    c = make_customer(session, p)
    every_week = make_subscription(session, c, subscription_id="A")
    gap = make_subscription(session, c, subscription_id="B")
    stale = make_subscription(session, c, subscription_id="C")
    future = make_subscription(session, c, subscription_id="D")
    for days, assigned in ((0, 50), (7, 40), (14, 30), (21, 20)):
        make_snapshot(session, every_week, _week(days), assigned=assigned, used_7d=assigned // 2)
    make_snapshot(session, gap, _week(7), assigned=11, used_7d=5)  # newest is a week old
    make_snapshot(session, gap, _week(21), assigned=9, used_7d=4)  # two weeks before it: not "last week"
    make_snapshot(session, stale, _week(14), assigned=7)  # 14 days old: outside the lookback
    make_snapshot(session, future, _week(-7), assigned=99)  # after as_of: ignored
    make_snapshot(session, future, _week(0), assigned=3, used_7d=1)
    session.flush()

    snaps = load_latest_snapshots(session, partner_id=p.id, as_of=AS_OF, with_previous=True)
    assert list(snaps.columns) == ["sub_pk", "snap_week", "snap_total", "assigned", "used_7d", "used_90d",
                                   "prev_assigned", "prev_used_7d"]
    by = {int(r.sub_pk): r for r in snaps.itertuples()}
    assert set(by) == {every_week.id, gap.id, future.id}
    assert snaps["sub_pk"].tolist() == sorted(by)  # one row per line, in line order
    assert (by[every_week.id].snap_week, by[every_week.id].assigned) == (pd.Timestamp(W), 50)
    assert (by[every_week.id].prev_assigned, by[every_week.id].prev_used_7d) == (40.0, 20.0)
    assert (by[gap.id].snap_week, by[gap.id].assigned) == (pd.Timestamp(_week(7)), 11)
    assert np.isnan(by[gap.id].prev_assigned) and np.isnan(by[gap.id].prev_used_7d)
    assert (by[future.id].assigned, by[future.id].used_7d) == (3, 1)
    assert snaps["assigned"].dtype == "int64" and snaps["prev_assigned"].dtype == "float64"

    newest = load_latest_snapshots(session, partner_id=p.id, as_of=AS_OF)
    assert newest.set_index("sub_pk")["assigned"].to_dict() == {every_week.id: 50, gap.id: 11, future.id: 3}
    only = load_latest_snapshots(session, partner_id=p.id, as_of=AS_OF, subscription_pks=[gap.id])
    assert only["assigned"].tolist() == [11]
    assert load_latest_snapshots(session, partner_id=p.id, as_of=date(2025, 1, 1)).empty


def test_frames_read_in_chunks_are_one_frame_of_every_row(session, monkeypatch):
    """``_frame`` fetches in chunks (a server-side cursor on PostgreSQL): every row once, and
    where chunks differ in dtype (ints without a NULL beside ints with one, booleans beside a
    NULL) the column is what one frame of every row gives."""
    from partnerhub_core.analytics import frames

    p = make_partner(session)
    customers = [make_customer(session, p, f"C{i}") for i in range(5)]
    for i, c in enumerate(customers):
        line = make_subscription(session, c, subscription_id=f"S{i}", cancelled_on=date(2026, 1, 1) if i == 4 else None)
        make_snapshot(session, line, W, assigned=10 + i, used_7d=None if i == 4 else i)
        make_snapshot(session, line, _week(7), assigned=5 + i, used_7d=i)
    session.flush()
    loads = {
        "customers": lambda: load_customers(session, partner_id=p.id),
        "subs": lambda: load_subscriptions(session, partner_id=p.id),
        "snaps": lambda: load_latest_snapshots(session, partner_id=p.id, as_of=AS_OF, with_previous=True),
    }
    whole = {name: load() for name, load in loads.items()}
    assert len(whole["customers"]) == 5 and len(whole["subs"]) == 5 and len(whole["snaps"]) == 5
    for size in (1, 2, 4):
        monkeypatch.setattr(frames, "FETCH_ROWS", size)
        for name, load in loads.items():
            pd.testing.assert_frame_equal(load(), whole[name])
    parts = [pd.DataFrame.from_records([(1, True)], columns=["n", "b"]),
             pd.DataFrame.from_records([(None, None)], columns=["n", "b"])]
    joined = frames._concat_parts(parts, ["n", "b"], [None, None])
    pd.testing.assert_frame_equal(joined, pd.DataFrame.from_records([(1, True), (None, None)], columns=["n", "b"]))


def test_weekly_rollups_read_column_wise(session):
    p = make_partner(session)
    c = make_customer(session, p)
    base = {col.name: 0 for col in CallRollup.__table__.columns if col.name not in ("id",)}
    for day, calls, queue in ((date(2026, 3, 9), 10, 4), (date(2026, 3, 11), 5, 2), (date(2026, 3, 3), 7, 1)):
        week = date(2026, 3, 14) if day > date(2026, 3, 7) else date(2026, 3, 7)
        session.add(CallRollup(**dict(base, partner_id=p.id, customer_id=c.id, day=day, week_ending=week,
                                      location_id="L1", location_name="HQ", endpoint_type="desk_phone",
                                      calls=calls, queue_calls=queue)))
    session.flush()
    frame = weekly_rollups(session, partner_id=p.id, first_week=date(2026, 3, 1), last_week=date(2026, 3, 14))
    frame = frame.sort_values("week_ending").reset_index(drop=True)
    assert frame["week_ending"].tolist() == [date(2026, 3, 7), date(2026, 3, 14)]  # date objects, as before
    assert frame["calls"].tolist() == [7, 15] and frame["queue_calls"].tolist() == [1, 6]


def _section(table: pd.DataFrame) -> Section:
    return Section("alert-overage", "Over the license limit", [], table, [])


def test_alert_rows_group_customers_in_first_appearance_order_and_skip_missing_ids():
    table = pd.DataFrame({
        "customer_id": [7.0, 3.0, np.nan, 7.0, 3.0],
        "customer": ["Zeta", "Beta", "Nobody", "Zeta", "Beta"],
        "subscription_id": ["Z1", "B1", "N1", "Z2", "B2"],
        "product": ["meetings", "calling", "meetings", "calling", "meetings"],
        "total_licenses": [10, 20, 30, 40, 50],
        "assigned": [12, 25, 31, 41, 60],
        "overage": [2, 5, 1, 1, 10],
    })
    rows = _rows("overage", _section(table))
    assert [(r.customer_id, r.customer) for r in rows] == [(7, "Zeta"), (3, "Beta")]
    assert rows[0].facts == {"lines": [
        {"subscription_id": "Z1", "product": "meetings", "total": 10, "assigned": 12, "overage": 2},
        {"subscription_id": "Z2", "product": "calling", "total": 40, "assigned": 41, "overage": 1}]}
    assert [x["subscription_id"] for x in rows[1].facts["lines"]] == ["B1", "B2"]
    # The fingerprint is over the sorted lines: the same facts in another row order match.
    shuffled = _rows("overage", replace(_section(table.iloc[[4, 3, 2, 1, 0]])))
    assert {r.customer_id: r.fingerprint for r in shuffled} == {r.customer_id: r.fingerprint for r in rows}
    assert _rows("overage", _section(table.iloc[0:0])) == []


def test_low_assignment_rows_carry_every_column_as_plain_values():
    table = pd.DataFrame({
        "customer": ["Acme", "Acme"], "product": ["calling", "meetings"], "subscription_id": ["S9", "S8"],
        "assigned_pct": [0.125, np.nan], "end_date": [pd.Timestamp(2026, 5, 1), pd.NaT], "note": [None, "x"],
        "total": [10, 20], "used": pd.array([3, None], dtype="Int64"), "customer_id": [4, 4],
    })
    (row,) = _rows("low_assignment", _section(table))
    assert row.facts == {"lines": [
        {"customer": "Acme", "product": "calling", "subscription_id": "S9", "assigned_pct": 0.125,
         "end_date": date(2026, 5, 1), "note": None, "total": 10, "used": 3},
        {"customer": "Acme", "product": "meetings", "subscription_id": "S8", "assigned_pct": None,
         "end_date": None, "note": "x", "total": 20, "used": None}]}
    assert [type(v) for v in row.facts["lines"][0].values()] == [str, str, str, float, date, type(None), int, int]


def test_section_rows_column_wise_are_the_records_made_plain():
    """``Section.rows`` (every CSV and JSON table) reads each column once: the same values
    and types as ``to_dict('records')`` passed through ``_plain``, dtype by dtype."""
    from decimal import Decimal

    from partnerhub_core.analytics.common import Column, _plain

    table = pd.DataFrame({
        "i": [1, 2, 3], "f": [0.5, np.nan, 2.0], "b": [True, False, True],
        "n": pd.array([3, None, 5], dtype="Int64"), "t": [pd.Timestamp(2026, 5, 1), pd.NaT, pd.Timestamp(2026, 1, 2)],
        "d": [date(2026, 1, 1), None, date(2026, 2, 2)], "o": ["x", None, np.int64(7)],
        "s": pd.array(["a", None, "c"], dtype="string"), "dec": [Decimal("1.5"), None, Decimal("2")],
        "z": pd.to_datetime(["2026-01-01T10:00", None, "2026-03-01T00:00"]).tz_localize("UTC"),
        "skipped": [9, 9, 9],
    })
    keys = [k for k in table.columns if k != "skipped"]
    section = Section("x", "X", [], table, [Column(k, k) for k in keys])
    expected = [{k: _plain(v) for k, v in rec.items()} for rec in table[keys].to_dict(orient="records")]
    assert section.rows() == expected
    assert [[type(v) for v in r.values()] for r in section.rows()] == [[type(v) for v in r.values()] for r in expected]
    assert Section("x", "X", [], table.iloc[0:0], [Column("i", "i")]).rows() == []


def test_spike_rule_reads_weeks_given_as_dates_timestamps_or_text():
    week = date(2026, 11, 21)
    weekly = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 2, 2],
        "week_ending": [date(2026, 11, 7), date(2026, 11, 14), week] * 2,
        "queue_calls": [100, 100, 100, 100, 100, 100],
        "queue_abandoned": [5, 5, 30, 5, 5, 6],
    })
    expected = abandoned_spikes(weekly, week=week, factor=2.0, min_calls=20, baseline_weeks=2, min_rate=0.1)
    assert expected["customer_id"].tolist() == [1]
    assert expected.loc[0, "rate"] == 0.3 and expected.loc[0, "baseline_rate"] == 0.05
    assert expected.loc[0, "week_ending"] == week
    for variant in (pd.to_datetime(weekly["week_ending"]), weekly["week_ending"].astype(str),
                    pd.to_datetime(weekly["week_ending"]).dt.tz_localize("UTC")):
        got = abandoned_spikes(weekly.assign(week_ending=variant), week=week, factor=2.0, min_calls=20,
                               baseline_weeks=2, min_rate=0.1)
        pd.testing.assert_frame_equal(got, expected)
    # Below min_calls nobody spikes, whatever the rate.
    assert abandoned_spikes(weekly, week=week, factor=2.0, min_calls=101, baseline_weeks=2, min_rate=0.1).empty


def test_sign_in_instants_are_utc_without_zone(session):
    p = make_partner(session)
    make_customer(session, p, last_admin_sign_in=datetime(2026, 3, 10, 9, 30, tzinfo=timezone.utc))
    session.flush()
    customers = load_customers(session, partner_id=p.id)
    assert customers.loc[0, "last_admin_sign_in"] == pd.Timestamp(2026, 3, 10, 9, 30)
