"""The weekly licence totals (``LicenseWeekTotal``, ``snapshot_totals.py``) equal the sums of
the snapshots after every kind of write, in the writer's transaction, on both databases;
the unfiltered trend reads them and not the snapshots (issue 19 item 8)."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from partnerhub_core.analytics import cache
from partnerhub_core.analytics.subscription_trend import license_trend, license_trends
from partnerhub_core.models import Customer, LicenseSnapshot, LicenseWeekTotal, Subscription
from partnerhub_core.snapshot_totals import refresh_week_totals
from tests.factories import demo_partner_id, make_customer, make_partner, make_snapshot, make_subscription

W1, W2, W3 = date(2026, 5, 16), date(2026, 5, 23), date(2026, 5, 30)
AS_OF = date(2026, 6, 3)


def _aggregate(s: Session, pid: int) -> set[tuple]:
    """What the totals must hold: the trend's aggregate of the snapshots, every week."""
    ls, sub = LicenseSnapshot, Subscription
    rows = s.execute(
        select(ls.week_ending, sub.product, sa.func.sum(ls.total), sa.func.sum(ls.assigned), sa.func.sum(ls.used_7d),
               sa.func.count(ls.used_7d), sa.func.count())
        .join(sub, sub.id == ls.subscription_pk)
        .where(ls.partner_id == pid, sub.partner_id == pid)
        .group_by(ls.week_ending, sub.product)).all()
    return {_ints(r) for r in rows}


def _totals(s: Session, pid: int) -> set[tuple]:
    t = LicenseWeekTotal
    return {_ints(r) for r in s.execute(select(t.week_ending, t.product, t.total, t.assigned, t.used_7d, t.used_known,
                                                t.lines).where(t.partner_id == pid)).all()}


def _ints(row) -> tuple:
    return (row[0], row[1], *(None if v is None else int(v) for v in row[2:]))


def _check(engine, pid: int) -> set[tuple]:
    """Totals == aggregate, read in a fresh session (so what was committed)."""
    with Session(engine) as s:
        expected = _aggregate(s, pid)
        assert _totals(s, pid) == expected
        return expected


def _world(engine):
    with Session(engine, expire_on_commit=False) as s:
        p = make_partner(s)
        other = make_partner(s, "Other")
        acme, beta = make_customer(s, p, "Acme"), make_customer(s, p, "Beta")
        elsewhere = make_customer(s, other, "Elsewhere")
        subs = [make_subscription(s, acme, product="meetings", total=50),
                make_subscription(s, acme, product="calling", total=20),
                make_subscription(s, beta, product="meetings", total=30),
                make_subscription(s, elsewhere, product="meetings", total=99)]
        for week in (W1, W2):
            for i, sub in enumerate(subs):
                make_snapshot(s, sub, week, assigned=10 + i, used_7d=5 + i)
        s.commit()
        return p.id, other.id, [x.id for x in subs], acme.id


def test_factories_orm_adds_edits_and_deletes(engine):
    pid, other, subs, _acme = _world(engine)
    assert len(_check(engine, pid)) == 4 and len(_check(engine, other)) == 2
    with Session(engine) as s:
        snap = s.exec(select(LicenseSnapshot).where(LicenseSnapshot.subscription_pk == subs[0],
                                                    LicenseSnapshot.week_ending == W1)).one()
        snap.assigned, snap.used_7d = 44, None  # W1's usage of meetings becomes unknown
        moved = s.exec(select(LicenseSnapshot).where(LicenseSnapshot.subscription_pk == subs[2],
                                                     LicenseSnapshot.week_ending == W2)).one()
        moved.week_ending = W3  # leaves W2, enters W3
        s.delete(s.exec(select(LicenseSnapshot).where(LicenseSnapshot.subscription_pk == subs[1],
                                                      LicenseSnapshot.week_ending == W2)).one())
        s.commit()
    got = _check(engine, pid)
    assert (W1, "meetings", 80, 44 + 12, 7, 1, 2) in got
    assert (W3, "meetings", 30, 12, 7, 1, 1) in got
    assert not any(w == W2 and p == "calling" for w, p, *_ in got)  # its only line's snapshot went
    _check(engine, other)


def test_core_bulk_inserts_updates_and_deletes(engine):
    pid, other, subs, _acme = _world(engine)
    with Session(engine) as s:
        s.execute(sa.insert(LicenseSnapshot.__table__), [
            dict(partner_id=pid, subscription_pk=subs[0], week_ending=W3, total=7, assigned=3, used_7d=None),
            dict(partner_id=pid, subscription_pk=subs[2], week_ending=W3, total=8, assigned=4, used_7d=2)])
        s.commit()
    assert (W3, "meetings", 15, 7, 2, 1, 2) in _check(engine, pid)
    with Session(engine) as s:  # an UPDATE naming no week: every week of the partner
        s.execute(sa.update(LicenseSnapshot).where(LicenseSnapshot.partner_id == pid).values(assigned=1))
        s.commit()
    assert all(row[3] == row[6] for row in _check(engine, pid))  # assigned == lines
    with Session(engine) as s:
        s.execute(sa.delete(LicenseSnapshot).where(LicenseSnapshot.partner_id == pid,
                                                   LicenseSnapshot.week_ending == W1))
        s.commit()
    assert {row[0] for row in _check(engine, pid)} == {W2, W3}
    assert len(_check(engine, other)) == 2  # the other partner's totals untouched


def test_a_product_change_and_a_customer_delete(engine):
    pid, _other, subs, acme = _world(engine)
    with Session(engine) as s:  # ORM: acme's calling line becomes a meetings line
        s.get(Subscription, subs[1]).product = "meetings"
        s.commit()
    assert {p for _w, p, *_ in _check(engine, pid)} == {"meetings"}
    with Session(engine) as s:  # Core: and back
        s.execute(sa.update(Subscription).where(Subscription.id == subs[1]).values(product="calling"))
        s.commit()
    assert {p for _w, p, *_ in _check(engine, pid)} == {"meetings", "calling"}
    with Session(engine) as s:  # acme goes, with its lines and their snapshots
        for snap in s.exec(select(LicenseSnapshot).where(LicenseSnapshot.subscription_pk.in_(subs[:2]))):
            s.delete(snap)
        s.flush()
        for pk in subs[:2]:
            s.delete(s.get(Subscription, pk))
        s.flush()
        s.delete(s.get(Customer, acme))
        s.commit()
    assert _check(engine, pid) == {(W1, "meetings", 30, 12, 7, 1, 1), (W2, "meetings", 30, 12, 7, 1, 1)}


def test_a_write_marks_only_its_weeks(engine):
    """A sync adding one week's snapshots recomputes that week, not the partner's year."""
    from partnerhub_core import snapshot_totals

    pid, _other, subs, _acme = _world(engine)
    with Session(engine) as s:
        make_snapshot(s, s.get(Subscription, subs[0]), W3, assigned=1)
        snap = s.exec(select(LicenseSnapshot).where(LicenseSnapshot.subscription_pk == subs[2],
                                                    LicenseSnapshot.week_ending == W1)).one()
        snap.assigned = 3
        s.flush()
        assert s.info[snapshot_totals._MARKS] == {pid: {W1, W3}}
        s.execute(sa.insert(LicenseSnapshot.__table__), [
            dict(partner_id=pid, subscription_pk=subs[2], week_ending=W3, total=1, assigned=1)])
        assert s.info[snapshot_totals._MARKS] == {pid: {W1, W3}}
        s.commit()
        assert not s.info.get(snapshot_totals._MARKS)
    _check(engine, pid)


def test_a_rolled_back_transaction_or_savepoint_leaves_the_totals(engine):
    pid, _other, subs, _acme = _world(engine)
    before = _check(engine, pid)
    with Session(engine) as s:
        make_snapshot(s, s.get(Subscription, subs[0]), W3, assigned=1)
        s.rollback()
        s.commit()  # nothing marked survives the rollback
    assert _check(engine, pid) == before
    with Session(engine) as s:
        with s.begin_nested() as savepoint:
            make_snapshot(s, s.get(Subscription, subs[0]), W3, assigned=1)
            savepoint.rollback()
        with s.begin_nested():  # a savepoint's commit is not the transaction's
            make_snapshot(s, s.get(Subscription, subs[2]), W3, assigned=2, used_7d=1)
        s.commit()
    assert _check(engine, pid) == before | {(W3, "meetings", 30, 2, 1, 1, 1)}


def test_the_demo_partner_and_a_raw_load_refreshed(engine):
    pid = demo_partner_id(engine, customers=25, as_of=AS_OF, seed=3)
    assert len(_check(engine, pid)) > 52  # every week of both products
    with Session(engine) as s:  # a writer the hooks do not see, then its explicit refresh
        s.connection().execute(sa.delete(LicenseWeekTotal.__table__))
        refresh_week_totals(s, pid)
        s.commit()
    assert len(_check(engine, pid)) > 52


def test_a_reader_in_the_writing_transaction_sees_its_own_snapshots(engine, settings):
    pid, _other, subs, _acme = _world(engine)
    with Session(engine) as s:
        make_snapshot(s, s.get(Subscription, subs[0]), W3, assigned=3, used_7d=1)
        trend = license_trend.uncached(session=s, partner_id=pid, as_of=AS_OF, settings=settings)
        assert list(trend.table["week_ending"])[0] == W3 and trend.table["assigned"][0] == 3
        s.rollback()


def test_the_unfiltered_trend_reads_the_totals_not_the_snapshots(engine, settings):
    pid = demo_partner_id(engine, customers=20, as_of=AS_OF, seed=5)
    statements: list[str] = []

    def grab(conn, cursor, statement, *args):
        statements.append(statement.lower())

    cache.clear()
    sa.event.listen(engine, "before_cursor_execute", grab)
    try:
        with Session(engine) as s, cache.local_only():
            everyone = list(s.exec(select(Customer.id).where(Customer.partner_id == pid)))
            statements.clear()
            unfiltered = license_trends(session=s, partner_id=pid, as_of=AS_OF, settings=settings)
            trend_reads = [q for q in statements if "licenseweektotal" in q or "licensesnapshot" in q]
            statements.clear()
            narrowed = {p: license_trend.uncached(session=s, partner_id=pid, as_of=AS_OF, settings=settings,
                                                  product=p, customer_ids=everyone)
                        for p in ("meetings", "calling")}
    finally:
        sa.event.remove(engine, "before_cursor_execute", grab)
        cache.clear()
    assert len(trend_reads) == 1 and "licensesnapshot" not in trend_reads[0]
    assert any("licensesnapshot" in q for q in statements)  # the filtered trend still aggregates
    for product, section in unfiltered.items():
        # every customer named: the aggregate's figures, read the other way
        assert section.table.equals(narrowed[product].table)
        assert section.table.dtypes.equals(narrowed[product].table.dtypes)
        assert len(section.table) == 52 and section.to_dict() == narrowed[product].to_dict()


def test_totals_follow_the_snapshots_weeks_ago_too(engine):
    """A whole-partner rebuild (all weeks) keeps the other partners' totals."""
    pid, other, _subs, _acme = _world(engine)
    with Session(engine) as s:
        refresh_week_totals(s, pid)
        refresh_week_totals(s, pid, weeks=[W1 - timedelta(weeks=10)])  # a week without snapshots
        s.commit()
    _check(engine, pid)
    _check(engine, other)


def test_the_bench_fills_the_totals_of_a_partner_loaded_raw(engine, db_url):
    """bench/__main__.py: a partner whose snapshots came through the raw driver (the
    generator's COPY) gets its totals once, and a partner that has them is left alone."""
    from bench.__main__ import ensure_week_totals

    pid, other, _subs, _acme = _world(engine)
    with Session(engine) as s:  # as a database built before the table existed
        s.connection().execute(sa.delete(LicenseWeekTotal.__table__).where(LicenseWeekTotal.partner_id == pid))
        s.connection().execute(sa.update(LicenseWeekTotal.__table__).where(LicenseWeekTotal.partner_id == other)
                               .values(lines=0))
        s.commit()
    ensure_week_totals(db_url, log=lambda _m: None)
    _check(engine, pid)
    with Session(engine) as s:
        assert {r[-1] for r in _totals(s, other)} == {0}  # it had totals: not recomputed
