"""``load_latest_snapshots`` reads the two newest weeks, then the week before them only for
the lines whose previous snapshot can lie there (issue 19 item 8): the same newest and
previous snapshot per line as one read of all three weeks, on SQLite and PostgreSQL.
Also the loaders' column choices (``columns`` / ``values``): the same values, fewer columns."""
import random
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from partnerhub_core.analytics import snapshots
from partnerhub_core.analytics.common import (
    SNAPSHOT_LOOKBACK_DAYS,
    load_customers,
    load_latest_snapshots,
    load_subscriptions,
)
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription

AS_OF = date(2026, 3, 11)  # a Wednesday in the past: snapshots after it exist and are ignored
SINCE = AS_OF - timedelta(days=SNAPSHOT_LOOKBACK_DAYS)  # 2026-02-25


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _expected(weeks_by_line: dict[int, dict[date, tuple]], as_of: date) -> dict[int, tuple]:
    """The rule as written (every snapshot at hand): per line, its newest snapshot in the
    lookback, and the assigned/used of the one right before it when that is exactly a week older."""
    since = as_of - timedelta(days=SNAPSHOT_LOOKBACK_DAYS)
    out = {}
    for pk, weeks in weeks_by_line.items():
        seen = sorted((w for w in weeks if w <= as_of), reverse=True)
        if not seen or seen[0] <= since:
            continue
        newest = seen[0]
        prev = seen[1] if len(seen) > 1 else None
        last_week = weeks[prev] if prev == newest - timedelta(days=7) else (None, None)
        out[pk] = (pd.Timestamp(newest), weeks[newest][0], *last_week)
    return out


def _got(frame: pd.DataFrame) -> dict[int, tuple]:
    def plain(v):
        return None if pd.isna(v) else int(v)

    return {int(r.sub_pk): (r.snap_week, int(r.assigned), plain(r.prev_assigned), plain(r.prev_used_7d))
            for r in frame.itertuples()}


def test_previous_snapshot_three_weeks_back_a_gap_and_a_single_snapshot(session):
    p = make_partner(session)
    c = make_customer(session, p)
    lines = {name: make_subscription(session, c, subscription_id=name) for name in "ABCDEFG"}
    data = {
        "A": ["2026-02-21", "2026-02-28", "2026-03-07", "2026-03-14"],  # every week (one after as_of)
        "B": ["2026-02-21", "2026-02-28"],  # newest a week old: last week is in the third week back
        "C": ["2026-02-14", "2026-02-28"],  # a gap: the one before is two weeks older
        "D": ["2026-03-07"],  # one snapshot: no last week
        "E": ["2026-02-21", "2026-03-07"],  # newest this week, the one before two weeks older
        "F": ["2026-02-19", "2026-02-24", "2026-02-26"],  # not Saturdays: the one right before is 2 days older
        "G": ["2026-02-21"],  # newest outside the lookback: no row
    }
    weeks_by_line = {}
    for name, weeks in data.items():
        line = lines[name]
        weeks_by_line[line.id] = {}
        for i, week in enumerate(weeks):
            make_snapshot(session, line, _d(week), assigned=10 * (i + 1), used_7d=i + 1)
            weeks_by_line[line.id][_d(week)] = (10 * (i + 1), i + 1)
    session.flush()

    snaps = load_latest_snapshots(session, partner_id=p.id, as_of=AS_OF, with_previous=True)
    got = _got(snaps)
    assert got == _expected(weeks_by_line, AS_OF)
    assert got[lines["B"].id] == (pd.Timestamp(2026, 2, 28), 20, 10, 1)  # read from the third week
    assert got[lines["C"].id][2:] == (None, None)
    assert got[lines["D"].id][2:] == (None, None)
    assert got[lines["F"].id][2:] == (None, None)
    assert lines["G"].id not in got
    assert snaps["prev_assigned"].dtype == "float64" and snaps["prev_used_7d"].dtype == "float64"


@pytest.mark.parametrize("few_ids, third_week_ids", [(500, 5_000), (2, 5_000), (500, 0)])
def test_random_lines_match_the_rule_by_ids_in_chunks_and_by_the_whole_week(session, monkeypatch, few_ids,
                                                                              third_week_ids):
    """Random weekly (and a few odd-day) snapshots, several as_of: the loader's answer is
    the rule's, whether the third week is read by line ids (in chunks) or whole."""
    monkeypatch.setattr(snapshots, "FEW_IDS", few_ids)
    monkeypatch.setattr(snapshots, "THIRD_WEEK_IDS", third_week_ids)
    rng = random.Random(19)
    p = make_partner(session)
    c = make_customer(session, p)
    saturdays = [date(2026, 1, 31) + timedelta(days=7 * i) for i in range(7)]  # to 2026-03-14
    weeks_by_line = {}
    for n in range(24):
        line = make_subscription(session, c, subscription_id=f"L{n}", product=rng.choice(["meetings", "calling"]))
        weeks = {w for w in saturdays if rng.random() < 0.6}
        if rng.random() < 0.2:
            weeks.add(rng.choice(saturdays) - timedelta(days=rng.randint(1, 6)))
        weeks_by_line[line.id] = {}
        for w in sorted(weeks):
            assigned, used = rng.randint(0, 50), rng.choice([None, rng.randint(0, 20)])
            make_snapshot(session, line, w, assigned=assigned, used_7d=used)
            weeks_by_line[line.id][w] = (assigned, used)
    session.flush()
    for as_of in (date(2026, 3, 14), date(2026, 3, 11), date(2026, 3, 8), date(2026, 2, 28), date(2026, 2, 20)):
        snaps = load_latest_snapshots(session, partner_id=p.id, as_of=as_of, with_previous=True)
        assert _got(snaps) == _expected(weeks_by_line, as_of), as_of
        assert snaps["sub_pk"].tolist() == sorted(snaps["sub_pk"])  # line order
        newest = load_latest_snapshots(session, partner_id=p.id, as_of=as_of)
        pd.testing.assert_frame_equal(newest, snaps.drop(columns=["prev_assigned", "prev_used_7d"]),
                                      check_dtype=False)
        some = sorted(weeks_by_line)[::3]
        only = load_latest_snapshots(session, partner_id=p.id, as_of=as_of, with_previous=True,
                                     subscription_pks=some)
        assert _got(only) == {k: v for k, v in _expected(weeks_by_line, as_of).items() if k in set(some)}


def test_no_snapshot_at_all_gives_the_same_empty_frame(session):
    p = make_partner(session)
    snaps = load_latest_snapshots(session, partner_id=p.id, as_of=AS_OF, with_previous=True)
    assert snaps.empty
    assert list(snaps.columns) == ["sub_pk", "snap_week", "snap_total", "assigned", "used_7d", "used_90d",
                                   "prev_assigned", "prev_used_7d"]


def test_loaders_read_only_the_columns_asked_for(session):
    p = make_partner(session)
    c = make_customer(session, p, "Acme")
    line = make_subscription(session, c, subscription_id="S1", end=None)
    make_snapshot(session, line, date(2026, 3, 7), assigned=5, used_7d=3, used_90d=4)
    make_snapshot(session, line, date(2026, 2, 28), assigned=4, used_7d=2, used_90d=3)
    session.flush()

    subs = load_subscriptions(session, partner_id=p.id)
    some = load_subscriptions(session, partner_id=p.id, columns=["end_date", "customer_id"])
    assert list(some.columns) == ["sub_pk", "customer_id", "end_date"]  # the id always, in the loader's order
    pd.testing.assert_frame_equal(some, subs[["sub_pk", "customer_id", "end_date"]])

    customers = load_customers(session, partner_id=p.id)
    few = load_customers(session, partner_id=p.id, columns=["sign_in_checked_at", "added_on"])
    assert list(few.columns) == ["customer_id", "added_on", "sign_in_checked_at"]
    pd.testing.assert_frame_equal(few, customers[["customer_id", "added_on", "sign_in_checked_at"]])
    with pytest.raises(ValueError):
        load_customers(session, partner_id=p.id, columns=["nope"])

    every = load_latest_snapshots(session, partner_id=p.id, as_of=AS_OF, with_previous=True)
    assigned = load_latest_snapshots(session, partner_id=p.id, as_of=AS_OF, values=("assigned",))
    assert list(assigned.columns) == ["sub_pk", "snap_week", "assigned"]
    assert assigned["assigned"].tolist() == [5]
    # Last week's figures come from assigned and used_7d: read whenever they are asked for.
    usage = load_latest_snapshots(session, partner_id=p.id, as_of=AS_OF, with_previous=True, values=("used_90d",))
    assert list(usage.columns) == ["sub_pk", "snap_week", "assigned", "used_7d", "used_90d", "prev_assigned",
                                   "prev_used_7d"]
    pd.testing.assert_frame_equal(usage, every.drop(columns=["snap_total"]))
    assert np.array_equal(usage[["prev_assigned", "prev_used_7d"]].to_numpy(), [[4.0, 2.0]])


def test_packed_reads_build_the_frame_the_rows_build(session):
    """``_frame(packed=True)`` (PostgreSQL: one array per column) gives the frame of the
    tuple-by-tuple read: text with NULLs, booleans, NULL and all-NULL whole numbers, dates,
    instants, and no row at all (on SQLite both are the tuple read)."""
    import sqlalchemy as sa

    from partnerhub_core.analytics.frames import _frame, _packed, _raw
    from partnerhub_core.models import Customer, LicenseSnapshot, Subscription

    p = make_partner(session)
    for i in range(6):
        c = make_customer(session, p, f"C{i}", external_id=None if i % 2 else f"00{i}",
                          sign_in_checked_at=None if i == 3 else datetime(2026, 3, 1, 8, i, tzinfo=timezone.utc))
        line = make_subscription(session, c, subscription_id=f"S{i}", is_trial=i % 3 == 0, auto_renew=i % 2 == 0,
                                 end=None if i == 2 else date(2027, 1, i + 1),
                                 cancelled_on=date(2026, 2, 1) if i == 4 else None)
        make_snapshot(session, line, date(2026, 3, 7), assigned=i * 10, used_7d=None if i == 1 else i,
                      used_90d=None)
    session.flush()
    cu, su, ls = Customer, Subscription, LicenseSnapshot
    reads = [
        (sa.select(cu.id, cu.name, cu.external_id, _raw(cu.added_on), _raw(cu.sign_in_checked_at))
         .where(cu.partner_id == p.id), ["id", "name", "ext", "added", "checked"], ["added"], ["checked"]),
        (sa.select(su.id, su.is_trial, su.auto_renew, _raw(su.end_date), _raw(su.cancelled_on), su.product)
         .where(su.partner_id == p.id), ["id", "trial", "auto", "end", "cancelled", "product"],
         ["end", "cancelled"], []),
        (sa.select(ls.subscription_pk, _raw(ls.week_ending), ls.assigned, ls.used_7d, ls.used_90d)
         .where(ls.partner_id == p.id), ["pk", "week", "assigned", "used", "used90"], ["week"], []),
        (sa.select(ls.subscription_pk, ls.used_7d).where(ls.partner_id == -1), ["pk", "used"], [], []),
    ]
    for stmt, cols, dates, instants in reads:
        rows = _frame(session, stmt, cols, dates, instants, stream=True)
        packed = _frame(session, stmt, cols, dates, instants, stream=True, packed=True)
        on_pg = session.get_bind().dialect.name == "postgresql"
        assert (_packed(session.connection(), stmt, cols) is not None) == on_pg  # arrays on PostgreSQL only
        order = cols[0]
        if len(rows):  # neither read orders its rows
            rows = rows.sort_values(order).reset_index(drop=True)
            packed = packed.sort_values(order).reset_index(drop=True)
        pd.testing.assert_frame_equal(packed, rows)
