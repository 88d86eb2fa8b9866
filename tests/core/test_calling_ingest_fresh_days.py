"""The bulk ingest's PostgreSQL write takes two ways (``calling/pg_copy.py``): days with no
rollup row of the partner yet are COPYed straight into the table, the others upserted.
Both give the rollups the per-leg path gives, and two ingests racing on one new day
count every leg once."""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from partnerhub_core.calling import ROLLUP_SUMS, ingest_frame, ingest_legs, legs_frame, pg_copy
from partnerhub_core.models import CallIngestBatch, CallRollup, EndpointType
from partnerhub_core.settings import Settings
from tests.core.calling_world import at, make_customer, make_partner
from tests.core.test_calling_ingest_frame import _leg

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
MON, TUE, WED, THU = (date(2026, 11, d) for d in (16, 17, 18, 19))
WEEK = date(2026, 11, 21)


def _rollups(session):
    rows = session.exec(select(CallRollup).order_by(
        CallRollup.partner_id, CallRollup.day, CallRollup.customer_id, CallRollup.location_id,
        CallRollup.endpoint_type)).all()
    return [(r.partner_id, r.customer_id, r.day, r.week_ending, r.location_id, r.location_name, r.endpoint_type,
             *(getattr(r, n) for n in ROLLUP_SUMS)) for r in rows]


def _batches():
    first = [
        _leg("1", start_time=at(MON), duration_s=30, location_name=""),  # adds to the row already there
        _leg("2", start_time=at(MON), location_id="loc-2", location_name="Annex"),  # a new key of a day there
        _leg("3", start_time=at(TUE), feature="call_queue", direction="TERMINATING", is_user=False,
             queue_outcome="answered", wait_s=2.5),  # a new day
        _leg("4", start_time=at(TUE), org_id="org-b", endpoint_type=EndpointType.ROOM_DEVICE, has_video=True,
             video_s=40, location_name='Sala "B"\t{1}\\'),
        _leg("5", start_time=at(WED), audio_jitter_ms=999.0),  # new for this partner, not for the other
    ]
    second = [  # the next window: the days the first batch started, and one more
        _leg("6", start_time=at(TUE, 20), duration_s=12, location_name=""),
        _leg("7", start_time=at(TUE, 21), org_id="org-b", endpoint_type=EndpointType.ROOM_DEVICE,
             location_name="Sala B2"),
        _leg("8", start_time=at(WED, 22), location_id="loc-3", location_name="Third"),
        _leg("9", start_time=at(THU), endpoint_type=None, model="Cisco 8851", client_type="SIP"),
    ]
    return first, second


def _world(session):
    partner = make_partner(session)
    alpha = make_customer(session, partner, "org-a", "Alpha")
    make_customer(session, partner, "org-b", "Beta")
    other = make_partner(session, "Other Partner")
    stranger = make_customer(session, other, "org-x", "Stranger")
    session.add(CallRollup(partner_id=partner.id, customer_id=alpha.id, day=MON, week_ending=WEEK,
                           location_id="loc-1", location_name="HQ", endpoint_type=EndpointType.DESK_PHONE,
                           legs=5, calls=2, duration_s=100))
    session.add(CallRollup(partner_id=other.id, customer_id=stranger.id, day=WED, week_ending=WEEK,
                           location_id="loc-1", location_name="Elsewhere", endpoint_type=EndpointType.DESK_PHONE,
                           legs=1))
    session.commit()
    return partner


def _spy(monkeypatch, name):
    calls = []
    real = getattr(pg_copy, name)
    monkeypatch.setattr(pg_copy, name, lambda *a: (calls.append(a), real(*a))[1])
    return calls


def test_new_days_and_days_already_there_give_the_per_leg_rollups(session, monkeypatch):
    partner = _world(session)
    before = _rollups(session)
    streams = _spy(monkeypatch, "binary_copy")  # PostgreSQL only

    for legs in _batches():
        ingest_frame(session=session, partner_id=partner.id, frame=legs_frame(legs), now=NOW, settings=Settings())
        session.commit()
    session.expire_all()
    bulk = _rollups(session)

    for table in (CallRollup, CallIngestBatch):
        for row in session.exec(select(table)).all():
            session.delete(row)
    session.commit()
    for row in before:
        session.add(CallRollup(**dict(zip(["partner_id", "customer_id", "day", "week_ending", "location_id",
                                           "location_name", "endpoint_type", *ROLLUP_SUMS], row))))
    session.commit()
    for legs in _batches():
        ingest_legs(session=session, partner_id=partner.id, legs=legs, now=NOW, settings=Settings())
        session.commit()
    session.expire_all()
    assert bulk == _rollups(session)
    if session.get_bind().dialect.name == "postgresql":
        # first batch: Tuesday and Wednesday new (the other partner's Wednesday does not
        # count), Monday there; second: Thursday new, Tuesday and Wednesday there now
        copied = [sorted({d.item() for d in columns["day"]}) for columns, _, _ in streams]
        assert copied == [[TUE, WED], [MON], [THU], [TUE, WED]]


def _wait_for_a_lock_wait(engine, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'")).scalar():
                return True
            conn.rollback()
            time.sleep(0.05)
    return False


def _pg_only(engine, why="SQLite has one writer at a time: no race"):
    if engine.dialect.name != "postgresql":
        pytest.skip(why)


def test_two_ingests_racing_on_one_new_day_count_every_leg_once(engine, monkeypatch):
    _pg_only(engine)
    with Session(engine) as session:
        partner = make_partner(session)
        make_customer(session, partner, "org-a", "Alpha")
        session.commit()
        pid = partner.id
    staged = _spy(monkeypatch, "_staged_upsert")
    first = legs_frame([_leg("a1", start_time=at(TUE)), _leg("a2", start_time=at(TUE), location_id="loc-2")])
    second = legs_frame([_leg("b1", start_time=at(TUE), duration_s=9),
                         _leg("b2", start_time=at(TUE), location_id="loc-3")])
    errors: list[BaseException] = []

    def racer():
        try:
            with Session(engine) as other:
                ingest_frame(session=other, partner_id=pid, frame=second, now=NOW, settings=Settings())
                other.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    with Session(engine) as session:
        # The first has COPYed Tuesday (new) and not committed: the second waits (on the
        # partner row its ledger claim locks) and then finds Tuesday there: it upserts.
        ingest_frame(session=session, partner_id=pid, frame=first, now=NOW, settings=Settings())
        thread = threading.Thread(target=racer)
        thread.start()
        assert _wait_for_a_lock_wait(engine)
        session.commit()
    thread.join(30)
    assert not thread.is_alive() and errors == []
    assert len(staged) == 1
    with Session(engine) as session:
        rows = [(r.location_id, r.legs, r.duration_s) for r in session.exec(
            select(CallRollup).order_by(CallRollup.location_id)).all()]
        assert rows == [("loc-1", 2, 9), ("loc-2", 1, 0), ("loc-3", 1, 0)]
        assert len(session.exec(select(CallIngestBatch)).all()) == 2


def test_a_row_of_a_day_thought_new_sends_the_batch_to_the_upsert(engine, monkeypatch):
    # A writer that does not lock the partner row put a row on Tuesday after the check
    # (made here by a check that sees nothing): the COPY fails on the unique key, is
    # rolled back to its savepoint, and every row of the batch is upserted instead.
    _pg_only(engine)
    with Session(engine) as session:
        partner = _world(session)
        pid = partner.id
        alpha = session.exec(select(CallRollup.customer_id).where(CallRollup.partner_id == pid)).first()
        session.add(CallRollup(partner_id=pid, customer_id=alpha, day=TUE, week_ending=WEEK, location_id="loc-1",
                               location_name="HQ", endpoint_type=EndpointType.DESK_PHONE, legs=4, duration_s=7))
        session.commit()
    monkeypatch.setattr(pg_copy, "_present_days", lambda *a: [])
    staged = _spy(monkeypatch, "_staged_upsert")
    frame = legs_frame([_leg("1", start_time=at(TUE), duration_s=3), _leg("2", start_time=at(WED)),
                        _leg("3", start_time=at(MON), location_id="loc-9")])
    with Session(engine) as session:
        ingest_frame(session=session, partner_id=pid, frame=frame, now=NOW, settings=Settings())
        session.commit()
        rows = [(r.day, r.location_id, r.legs, r.duration_s) for r in session.exec(
            select(CallRollup).where(CallRollup.partner_id == pid).order_by(CallRollup.day, CallRollup.location_id))]
    assert len(staged) == 1
    assert rows == [(MON, "loc-1", 5, 100), (MON, "loc-9", 1, 0), (TUE, "loc-1", 4 + 1, 7 + 3), (WED, "loc-1", 1, 0)]


@pytest.mark.parametrize("day_there", [False, True])
def test_a_sum_too_large_for_the_column_fails_the_batch_on_postgresql(engine, day_there):
    # callrollup's sums are int4: the COPY stream sends such a sum as int8, so PostgreSQL
    # refuses the batch (as the INSERT of an int8 staging table did) instead of wrapping.
    _pg_only(engine, "SQLite's integers are 64-bit")
    import psycopg

    with Session(engine) as session:
        partner = make_partner(session)
        make_customer(session, partner, "org-a", "Alpha")
        session.commit()
        frame = legs_frame([_leg("1", start_time=at(MON), duration_s=2**31), _leg("2", start_time=at(TUE))])
        if day_there:
            ingest_frame(session=session, partner_id=partner.id, frame=legs_frame([_leg("0", start_time=at(MON))]),
                         now=NOW, settings=Settings())
            session.commit()
        with pytest.raises(psycopg.DataError):
            ingest_frame(session=session, partner_id=partner.id, frame=frame, now=NOW, settings=Settings())
        session.rollback()
        assert sum(r.legs for r in session.exec(select(CallRollup)).all()) == (1 if day_there else 0)
