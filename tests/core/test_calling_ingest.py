"""Ingest of call legs into daily rollups: counting rules, idempotency, retention."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from partnerhub_core.calling import (
    LegIn,
    endpoint_type_of,
    ingest_legs,
    is_poor_quality,
    parse_cdr_record,
    prune_legs,
)
from partnerhub_core.errors import BadInput
from partnerhub_core.models import CallIngestBatch, CallLeg, CallRollup, EndpointType
from partnerhub_core.settings import Settings
from tests.core.calling_world import at, make_customer, make_partner

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
MON = date(2026, 11, 16)  # week ending Saturday 2026-11-21


def _leg(call_id, **kw) -> LegIn:
    base = dict(org_id="org-a", call_id=call_id, correlation_id="c-" + call_id,
                start_time=at(MON), location_id="loc-1", location_name="HQ",
                endpoint_type=EndpointType.DESK_PHONE)
    base.update(kw)
    return LegIn(**base)


@pytest.mark.parametrize(
    "field, value, poor",
    [
        ("audio_jitter_ms", 150.0, False), ("audio_jitter_ms", 150.1, True),
        ("video_jitter_ms", 150.0, False), ("video_jitter_ms", 151.0, True),
        ("audio_latency_ms", 400.0, False), ("audio_latency_ms", 400.5, True),
        ("video_latency_ms", 400.0, False), ("video_latency_ms", 401.0, True),
        ("audio_loss_pct", 5.0, False), ("audio_loss_pct", 5.01, True),
        ("video_loss_pct", 5.0, False), ("video_loss_pct", 6.0, True),
    ],
)
def test_poor_quality_is_strictly_above_any_threshold(field, value, poor):
    fine = {"audio_jitter_ms": 10.0, "audio_latency_ms": 50.0, "audio_loss_pct": 0.1}
    leg = _leg("x", **{**fine, field: value})
    assert is_poor_quality(leg, Settings()) is poor


def test_poor_quality_thresholds_are_settings():
    leg = _leg("x", audio_jitter_ms=100.0)
    assert is_poor_quality(leg, Settings()) is False
    assert is_poor_quality(leg, Settings(poor_jitter_ms=99.0)) is True


def test_endpoint_types_from_model_and_client_type():
    assert endpoint_type_of("Cisco 8851", "SIP") == EndpointType.DESK_PHONE
    assert endpoint_type_of("Cisco Webex Room Kit", "") == EndpointType.ROOM_DEVICE
    assert endpoint_type_of("Webex Board 55", "") == EndpointType.ROOM_DEVICE
    assert endpoint_type_of("", "WXC_CLIENT") == EndpointType.WEBEX_APP
    assert endpoint_type_of("Yealink T54W", "WXC_THIRD_PARTY") == EndpointType.OTHER
    assert endpoint_type_of("Poly VVX 450", "SIP") == EndpointType.OTHER


def test_parse_cdr_record_reads_the_feed_keys_and_missing_values():
    leg = parse_cdr_record({
        "Start time": "2026-11-16T10:00:00.000Z", "Answer time": "NA", "Duration": "95",
        "Direction": "TERMINATING", "Answered": "true", "Org UUID": "org-a", "Call ID": "SSE1",
        "Correlation ID": "corr1", "Related reason": "CallQueue", "Model": "Cisco 8845",
        "Client type": "SIP", "Site UUID": "loc-1", "Location": "HQ", "User type": "User",
    })
    assert leg.start_time == datetime(2026, 11, 16, 10, tzinfo=timezone.utc)
    assert leg.answer_time is None and leg.audio_jitter_ms is None
    assert (leg.duration_s, leg.direction, leg.answered) == (95, "TERMINATING", True)
    # An agent's leg of a queued call: the queue feature, no outcome (the queue's own record has it).
    assert (leg.feature, leg.queue_outcome, leg.wait_s) == ("call_queue", None, None)
    assert leg.leg_key == "corr1|SSE1|TERMINATING"
    with pytest.raises(BadInput):
        parse_cdr_record({"Start time": "", "Org UUID": "org-a", "Call ID": "x"})


def test_parse_cdr_record_derives_queue_wait_and_who_placed_the_call():
    base = {"Start time": "2026-11-16T10:00:00Z", "Org UUID": "org-a", "Call ID": "q1",
            "Direction": "TERMINATING", "User type": "CallCenterStandard"}
    answered = parse_cdr_record({**base, "Answered": "true", "Answer time": "2026-11-16T10:00:25Z",
                                 "Release time": "2026-11-16T10:05:00Z"})
    assert (answered.queue_outcome, answered.wait_s, answered.is_user) == ("answered", 25.0, False)
    abandoned = parse_cdr_record({**base, "Answered": "false", "Releasing party": "Remote",
                                  "Release time": "2026-11-16T10:01:10Z"})
    assert (abandoned.queue_outcome, abandoned.wait_s) == ("abandoned", 70.0)
    hunt = parse_cdr_record({**base, "User type": "Virtual Line", "Redirect reason": "HuntGroup"})
    assert (hunt.feature, hunt.queue_outcome, hunt.wait_s, hunt.is_user) == ("hunt_group", None, None, True)


def _batch():
    return [
        # two calls placed by users, one of them video with poor latency
        _leg("1", direction="ORIGINATING", duration_s=120, audio_jitter_ms=20.0, audio_latency_ms=100.0,
             audio_loss_pct=0.5),
        _leg("2", direction="ORIGINATING", duration_s=300, has_video=True, video_s=240,
             endpoint_type=EndpointType.ROOM_DEVICE, video_latency_ms=450.0),
        # received legs: a queued call answered after 30 s, one abandoned after 50 s,
        # one transferred after 10 s, a hunt group leg and a leg from a trunk
        _leg("3", direction="TERMINATING", duration_s=60, feature="call_queue",
             queue_outcome="answered", wait_s=30.0, is_user=False),
        _leg("4", direction="TERMINATING", duration_s=0, feature="call_queue",
             queue_outcome="abandoned", wait_s=50.0, is_user=False),
        _leg("5", direction="TERMINATING", duration_s=15, feature="call_queue",
             queue_outcome="transferred", wait_s=10.0, is_user=False),
        _leg("6", direction="TERMINATING", duration_s=45, feature="hunt_group"),
        _leg("7", direction="ORIGINATING", duration_s=30, is_user=False, feature="auto_attendant"),
    ]


def test_ingest_rolls_legs_up_per_customer_day_location_endpoint(session):
    partner = make_partner(session)
    customer = make_customer(session, partner, "org-a", "Alpha")
    result = ingest_legs(session=session, partner_id=partner.id, legs=_batch(), now=NOW,
                         settings=Settings())
    assert (result.received, result.added, result.duplicate, result.skipped) == (7, 7, 0, 0)
    rows = session.exec(select(CallRollup).order_by(CallRollup.endpoint_type)).all()
    assert [(r.endpoint_type, r.day, r.week_ending, r.location_name) for r in rows] == [
        ("desk_phone", MON, date(2026, 11, 21), "HQ"),
        ("room_device", MON, date(2026, 11, 21), "HQ"),
    ]
    desk, room = rows
    assert desk.customer_id == customer.id
    # desk: legs 1,3,4,5,6,7 ; calls placed by users: leg 1 only (7 is not a user)
    assert (desk.legs, desk.calls, desk.legs_with_media, desk.poor_legs) == (6, 1, 1, 0)
    assert (desk.audio_legs, desk.video_legs, desk.duration_s, desk.video_s) == (6, 0, 270, 0)
    assert (desk.hunt_group_calls, desk.auto_attendant_calls) == (1, 1)
    assert (desk.queue_calls, desk.queue_answered, desk.queue_abandoned, desk.queue_transferred) == (3, 1, 1, 1)
    assert (desk.queue_timed_out, desk.queue_overflowed) == (0, 0)
    assert desk.queue_answer_wait_s == pytest.approx(40.0)  # 30 answered + 10 transferred
    assert desk.queue_abandon_wait_s == pytest.approx(50.0)
    assert (room.legs, room.calls, room.legs_with_media, room.poor_legs) == (1, 1, 1, 1)
    assert (room.video_legs, room.audio_legs, room.duration_s, room.video_s) == (1, 0, 300, 240)


def test_reingesting_the_same_batch_does_not_double_count(session):
    partner = make_partner(session)
    make_customer(session, partner, "org-a", "Alpha")
    ingest_legs(session=session, partner_id=partner.id, legs=_batch(), now=NOW, settings=Settings())
    again = ingest_legs(session=session, partner_id=partner.id, legs=_batch(), now=NOW, settings=Settings())
    assert (again.added, again.duplicate) == (0, 7)
    # an overlapping batch: legs 6 and 7 again plus one new leg
    overlap = _batch()[5:] + [_leg("8", direction="ORIGINATING", duration_s=10)]
    third = ingest_legs(session=session, partner_id=partner.id, legs=overlap, now=NOW, settings=Settings())
    assert (third.added, third.duplicate) == (1, 2)
    desk = session.exec(select(CallRollup).where(CallRollup.endpoint_type == "desk_phone")).one()
    assert (desk.legs, desk.calls, desk.duration_s, desk.queue_calls) == (7, 2, 280, 3)
    assert session.exec(select(CallLeg)).all().__len__() == 8
    ledger = session.exec(select(CallIngestBatch).order_by(CallIngestBatch.id)).all()
    assert [(b.legs_received, b.legs_added) for b in ledger] == [(7, 7), (3, 1)]


def test_unknown_customers_and_legs_older_than_retention_are_skipped(session):
    partner = make_partner(session)
    make_customer(session, partner, "org-a", "Alpha")
    legs = [
        _leg("1"),
        _leg("2", org_id="org-unknown"),
        _leg("3", start_time=at(date(2026, 10, 20))),  # 36 days before NOW: past 35
        _leg("4", start_time=at(date(2026, 10, 21))),  # 35 days before: still kept
    ]
    result = ingest_legs(session=session, partner_id=partner.id, legs=legs, now=NOW, settings=Settings())
    assert (result.added, result.skipped_unknown_customer, result.skipped_too_old) == (2, 1, 1)
    assert result.unknown_orgs == {"org-unknown"}


def test_retention_prunes_raw_legs_but_keeps_rollups(session):
    partner = make_partner(session)
    make_customer(session, partner, "org-a", "Alpha")
    old_day, new_day = date(2026, 10, 26), date(2026, 11, 20)
    ingest_legs(session=session, partner_id=partner.id, now=NOW, settings=Settings(),
                legs=[_leg("1", start_time=at(old_day)), _leg("2", start_time=at(new_day))])
    later = datetime(2026, 12, 5, tzinfo=timezone.utc)  # cutoff 2026-10-31
    pruned = prune_legs(session=session, partner_id=partner.id, now=later, settings=Settings())
    assert pruned == 1
    assert [leg.day for leg in session.exec(select(CallLeg)).all()] == [new_day]
    assert sorted(r.day for r in session.exec(select(CallRollup)).all()) == [old_day, new_day]


def test_ingest_is_scoped_to_the_partner(session):
    mine, other = make_partner(session, "Mine"), make_partner(session, "Other")
    make_customer(session, other, "org-a", "Alpha elsewhere")
    result = ingest_legs(session=session, partner_id=mine.id, legs=[_leg("1")], now=NOW,
                         settings=Settings())
    assert (result.added, result.skipped_unknown_customer) == (0, 1)
