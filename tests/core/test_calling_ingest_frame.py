"""The columnar ingest (ingest_frame) counts exactly like ingest_legs, and a batch
ingested twice counts once."""
from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
import pytest
from sqlmodel import select

from partnerhub_core.calling import LegIn, ROLLUP_SUMS, BulkIngest, ingest_frame, ingest_legs, legs_frame
from partnerhub_core.errors import BadInput
from partnerhub_core.models import CallIngestBatch, CallLeg, CallRollup, EndpointType
from partnerhub_core.settings import Settings
from tests.core.calling_world import at, make_customer, make_partner

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
MON, TUE = date(2026, 11, 16), date(2026, 11, 17)
BRANCH = 'Branch "B", {north}\\ wing'  # quotes, comma, braces, backslash survive the bulk path


def _leg(call_id, **kw) -> LegIn:
    base = dict(org_id="org-a", call_id=call_id, correlation_id="c-" + call_id,
                start_time=at(MON), location_id="loc-1", location_name="HQ",
                endpoint_type=EndpointType.DESK_PHONE)
    base.update(kw)
    return LegIn(**base)


def _legs() -> list[LegIn]:
    return [
        # media figures exactly at each threshold: not poor, but with media
        _leg("1", duration_s=120, audio_jitter_ms=150.0, audio_latency_ms=400.0, audio_loss_pct=5.0),
        # just above, one stream each: poor
        _leg("2", duration_s=300, has_video=True, video_s=240, endpoint_type=EndpointType.ROOM_DEVICE,
             video_latency_ms=400.5),
        _leg("3", video_loss_pct=5.01, endpoint_type=EndpointType.ROOM_DEVICE),
        _leg("4", audio_jitter_ms=150.1, duration_s=-5),  # a negative duration counts 0
        # only one video figure reported, below the limit: media, not poor
        _leg("5", video_jitter_ms=10.0, location_name=""),
        # queue and feature legs, fractional seconds truncated like int()
        _leg("6", direction="TERMINATING", duration_s=60, feature="call_queue",
             queue_outcome="answered", wait_s=30.5, is_user=False),
        _leg("7", direction="TERMINATING", feature="call_queue", queue_outcome="abandoned", wait_s=50.0,
             is_user=False),
        _leg("8", direction="TERMINATING", feature="call_queue", queue_outcome="transferred", wait_s=10.0,
             is_user=False),
        _leg("9", direction="TERMINATING", feature="call_queue", queue_outcome="timed_out", wait_s=99.0,
             is_user=False),
        _leg("10", direction="TERMINATING", feature="call_queue", queue_outcome="overflowed", wait_s=None,
             is_user=False),
        _leg("11", direction="TERMINATING", duration_s=45, feature="hunt_group"),
        _leg("12", is_user=False, feature="auto_attendant"),
        _leg("13", feature="call_park"), _leg("14", feature="call_pickup"), _leg("15", feature="voicemail"),
        # derived endpoint types, another day and location, a name arriving later
        _leg("16", endpoint_type=None, model="Cisco 8851", client_type="SIP", start_time=at(TUE),
             location_id="loc-2", location_name=""),
        _leg("17", endpoint_type=None, client_type="WXC_CLIENT", start_time=at(TUE), location_id="loc-2",
             location_name=BRANCH),
        _leg("18", endpoint_type=None, model="Cisco 8851", start_time=at(TUE), location_id="loc-2",
             location_name=""),
        # a leg repeated inside the batch counts once; unknown org and too old are skipped
        _leg("1", duration_s=120, audio_jitter_ms=150.0, audio_latency_ms=400.0, audio_loss_pct=5.0),
        _leg("19", org_id="org-unknown"),
        _leg("20", start_time=at(date(2026, 10, 20))),
    ]


def _rollups(session):
    rows = session.exec(select(CallRollup).order_by(
        CallRollup.day, CallRollup.location_id, CallRollup.endpoint_type)).all()
    return [(r.customer_id, r.day, r.week_ending, r.location_id, r.location_name, r.endpoint_type,
             *(getattr(r, n) for n in ROLLUP_SUMS)) for r in rows]


def test_frame_gives_the_same_rollups_as_ingest_legs(session):
    partner = make_partner(session)
    make_customer(session, partner, "org-a", "Alpha")
    by_legs = ingest_legs(session=session, partner_id=partner.id, legs=_legs(), now=NOW, settings=Settings())
    expected = _rollups(session)
    for row in session.exec(select(CallRollup)).all():
        session.delete(row)
    session.flush()

    result = ingest_frame(session=session, partner_id=partner.id, frame=legs_frame(_legs()), now=NOW,
                          settings=Settings())
    assert _rollups(session) == expected
    assert (result.received, result.added, result.duplicate) == (by_legs.received, by_legs.added, 1)
    assert (result.skipped_unknown_customer, result.skipped_too_old) == (1, 1)
    assert result.unknown_orgs == {"org-unknown"}
    # the hand-computed figures of the desk phones at loc-1 on Monday (legs 1, 4-15)
    desk = next(r for r in session.exec(select(CallRollup)).all()
                if (r.day, r.location_id, r.endpoint_type) == (MON, "loc-1", "desk_phone"))
    assert (desk.legs, desk.calls, desk.legs_with_media, desk.poor_legs) == (13, 6, 3, 1)
    assert (desk.duration_s, desk.queue_calls, desk.queue_timed_out, desk.queue_overflowed) == (225, 5, 1, 1)
    assert (desk.call_park_calls, desk.call_pickup_calls, desk.voicemail_calls) == (1, 1, 1)
    assert desk.queue_answer_wait_s == pytest.approx(40.5)
    assert desk.queue_abandon_wait_s == pytest.approx(50.0)
    assert desk.location_name == "HQ"
    room = next(r for r in session.exec(select(CallRollup)).all() if r.endpoint_type == "room_device")
    assert (room.legs, room.poor_legs, room.video_legs, room.video_s) == (2, 2, 1, 240)
    tuesday = [(r.endpoint_type, r.legs, r.location_name) for r in session.exec(
        select(CallRollup).where(CallRollup.day == TUE).order_by(CallRollup.endpoint_type)).all()]
    assert tuesday == [("desk_phone", 2, ""), ("webex_app", 1, BRANCH)]
    assert session.exec(select(CallLeg).where(CallLeg.partner_id == partner.id)).all() != []  # ingest_legs' only


def test_reingesting_the_same_frame_does_not_double_count(session):
    partner = make_partner(session)
    make_customer(session, partner, "org-a", "Alpha")
    first = ingest_frame(session=session, partner_id=partner.id, frame=legs_frame(_legs()), now=NOW,
                         settings=Settings(), source="feed")
    once = _rollups(session)
    # the same legs in another order are the same batch
    again = ingest_frame(session=session, partner_id=partner.id, frame=legs_frame(_legs()[::-1]), now=NOW,
                         settings=Settings(), source="feed")
    assert again.batch_key == first.batch_key
    assert (again.added, again.duplicate) == (0, 21)
    assert _rollups(session) == once
    ledger = session.exec(select(CallIngestBatch).order_by(CallIngestBatch.id)).all()
    assert [(b.legs_received, b.legs_added, b.legs_duplicate, b.legs_skipped) for b in ledger] == [(21, 18, 1, 2)]
    # a different batch adds to the same rows
    more = ingest_frame(session=session, partner_id=partner.id, frame=legs_frame([_leg("21", duration_s=7)]),
                        now=NOW, settings=Settings())
    assert more.added == 1
    desk = next(r for r in session.exec(select(CallRollup)).all()
                if (r.day, r.location_id, r.endpoint_type) == (MON, "loc-1", "desk_phone"))
    assert (desk.legs, desk.calls, desk.duration_s) == (14, 7, 232)


def test_frame_columns_may_be_categorical_and_missing(session):
    partner = make_partner(session)
    customer = make_customer(session, partner, "org-a", "Alpha")
    frame = pd.DataFrame({
        "org_id": pd.Categorical(["org-a", "org-a", "org-a"]),
        "call_id": ["x1", "x2", "x3"],
        "start_time": pd.to_datetime(["2026-11-16T10:00:00Z", "2026-11-16T23:59:59Z", "2026-11-17T00:00:00Z"]),
        "direction": pd.Categorical(["ORIGINATING", "TERMINATING", "ORIGINATING"]),
        "audio_jitter_ms": np.array([np.nan, 200.0, 1.0]),
    })
    ingest_frame(session=session, partner_id=partner.id, frame=frame, now=NOW, settings=Settings())
    rows = [(r.customer_id, r.day, r.endpoint_type, r.location_id, r.legs, r.calls, r.legs_with_media,
             r.poor_legs, r.audio_legs) for r in session.exec(select(CallRollup).order_by(CallRollup.day)).all()]
    assert rows == [(customer.id, MON, "other", "", 2, 1, 1, 1, 2), (customer.id, TUE, "other", "", 1, 1, 1, 0, 1)]


def test_frame_refuses_a_missing_column_and_an_unknown_queue_outcome(session):
    partner = make_partner(session)
    make_customer(session, partner, "org-a", "Alpha")
    with pytest.raises(BadInput):
        ingest_frame(session=session, partner_id=partner.id, frame=pd.DataFrame({"org_id": ["org-a"]}),
                     now=NOW, settings=Settings())
    frame = legs_frame([_leg("1", queue_outcome="lost")])
    with pytest.raises(BadInput):
        ingest_frame(session=session, partner_id=partner.id, frame=frame, now=NOW, settings=Settings())


def _frames():
    legs = _legs()
    return [legs_frame(legs[:7]), legs_frame(legs[7:14]), legs_frame(legs[14:])]


def _clear(session):
    for table in (CallRollup, CallIngestBatch):
        for row in session.exec(select(table)).all():
            session.delete(row)
    session.commit()


def test_bulk_ingest_counts_like_one_batch_at_a_time_and_commits_each(session, engine):
    partner = make_partner(session)
    make_customer(session, partner, "org-a", "Alpha")
    session.commit()
    one_by_one = [ingest_frame(session=session, partner_id=partner.id, frame=f, now=NOW, settings=Settings(),
                               source="feed") for f in _frames()]
    session.commit()
    expected = _rollups(session)
    _clear(session)

    bulk = BulkIngest(engine=engine, partner_id=partner.id, now=NOW, settings=Settings(), source="feed")
    frames = _frames()
    assert bulk.add(frames[0]) == []  # prepared, not written yet
    written = bulk.add(frames[1])  # the first batch is written (and committed) meanwhile
    session.expire_all()
    assert [b.legs_received for b in session.exec(select(CallIngestBatch)).all()] == [7]
    written += bulk.add(_frames()[0])  # the same legs again: one batch, counted once
    written += bulk.add(frames[2])
    written += bulk.close()
    assert [(r.batch_key, r.added) for r in written[:2] + written[3:]] == [(r.batch_key, r.added) for r in one_by_one]
    assert (written[2].added, written[2].duplicate) == (0, 7)
    session.expire_all()
    assert _rollups(session) == expected


def test_bulk_ingest_raises_a_bad_batch_and_keeps_the_ones_before(session, engine):
    partner = make_partner(session)
    make_customer(session, partner, "org-a", "Alpha")
    session.commit()
    with pytest.raises(BadInput):
        with BulkIngest(engine=engine, partner_id=partner.id, now=NOW, settings=Settings()) as bulk:
            bulk.add(_frames()[0])
            bulk.add(legs_frame([_leg("99", queue_outcome="lost")]))  # writes the first, then raises
    session.expire_all()
    assert [b.legs_received for b in session.exec(select(CallIngestBatch)).all()] == [7]
    assert sum(r.legs for r in session.exec(select(CallRollup)).all()) == 7
