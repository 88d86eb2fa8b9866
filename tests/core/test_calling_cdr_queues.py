"""Queue calls, outcomes and waits derived from the CDR feed's own fields (docs/rules.md, "Calling"),
through the ingest, the queue insights, the advanced features and the spike alert."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from partnerhub_core.alerts import abandoned_spikes, load_queue_weeks
from partnerhub_core.analytics.calling import features, queues
from partnerhub_core.calling import ingest_legs, parse_cdr_record
from partnerhub_core.models import CallRollup
from partnerhub_core.settings import Settings
from tests.core.calling_world import make_customer, make_partner
from tests.fakes.webex_cdr import agent_leg, cdr_record, queue_entry

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
AS_OF = date(2026, 11, 25)  # last completed week ends Saturday 2026-11-21
S = Settings()
ORG = "org-a"


def _t(day: date, second: int = 0) -> str:
    moment = datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc) + timedelta(seconds=second)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


MON = date(2026, 11, 16)


def _week_of_queue_calls(day: date = MON) -> list[dict]:
    """Eight queued calls and their agents' legs, outcomes worked out by hand:
    answered 3 (waits 20, 40, 11), abandoned 2 (30, 90), timed out 1, overflowed 1,
    transferred 1 (15)."""
    t = lambda s: _t(day, s)  # noqa: E731
    k = day.isoformat()
    return [
        queue_entry(f"q1{k}", ORG, t(0), t(200), **{"Answered": "true", "Ring duration": 20}),
        agent_leg(f"a1{k}", ORG, t(20), t(200), **{"Answered": "true", "Correlation ID": f"corr-q1{k}"}),
        agent_leg(f"a1b{k}", ORG, t(5), t(20), **{"Answered": "false", "Correlation ID": f"corr-q1{k}"}),
        queue_entry(f"q2{k}", ORG, t(0), t(300), **{"Answer indicator": "Yes-PostRedirection",
                                                      "Answer time": t(40)}),
        queue_entry(f"q3{k}", ORG, t(0), t(30), **{"Releasing party": "Remote", "Ring duration": 30}),
        queue_entry(f"q4{k}", ORG, t(0), t(90), **{"Releasing party": "Remote"}),
        queue_entry(f"q5{k}", ORG, t(0), t(300), **{"Call outcome": "Refusal", "Ring duration": 300}),
        queue_entry(f"q6{k}", ORG, t(0), t(1), **{"Call outcome": "Success",
                                                    "Call outcome reason": "UserBusy", "Ring duration": 0}),
        queue_entry(f"q7{k}", ORG, t(0), t(60), **{"Call transfer Time": t(15), "Ring duration": 15}),
        queue_entry(f"q8{k}", ORG, t(0), t(100), **{"Answered": "true", "Ring duration": 11}),
    ]


@pytest.fixture
def world(session):
    partner = make_partner(session)
    make_customer(session, partner, ORG, "Acme Corp")
    return partner


def _ingest(session, partner, records):
    legs = [parse_cdr_record(r) for r in records]
    return ingest_legs(session=session, partner_id=partner.id, legs=legs, now=NOW, settings=S, source="webex-cdr")


@pytest.mark.parametrize("fields, outcome, wait", [
    ({"Answered": "true", "Ring duration": 20}, "answered", 20.0),
    ({"Answer indicator": "Yes", "Answer time": "2026-11-16T10:00:25.000Z"}, "answered", 25.0),
    ({"Releasing party": "Remote", "Ring duration": 30}, "abandoned", 30.0),
    ({"Releasing party": "Remote"}, "abandoned", 70.0),  # release - start: 70 s
    ({}, "abandoned", 70.0),  # nobody answered and nothing says the queue let go
    ({"Releasing party": "Local", "Ring duration": 120}, "timed_out", 120.0),
    ({"Call outcome": "Refusal", "Call outcome reason": "SIP408"}, "timed_out", 70.0),
    ({"Call outcome reason": "UserBusy", "Ring duration": 0}, "overflowed", 0.0),
    ({"Call transfer Time": "2026-11-16T10:00:15.000Z", "Ring duration": 15}, "transferred", 15.0),
])
def test_queue_outcome_and_wait_come_from_the_queue_record(fields, outcome, wait):
    leg = parse_cdr_record(queue_entry("q", ORG, "2026-11-16T10:00:00.000Z", "2026-11-16T10:01:10.000Z",
                                       **fields))
    assert (leg.feature, leg.queue_outcome, leg.wait_s, leg.is_user) == ("call_queue", outcome, wait, False)


def test_agents_legs_and_other_records_carry_no_queue_outcome():
    agent = parse_cdr_record(agent_leg("a", ORG, "2026-11-16T10:00:00.000Z", "2026-11-16T10:01:00.000Z",
                                       Answered="true"))
    assert (agent.feature, agent.queue_outcome, agent.wait_s, agent.is_user) == ("call_queue", None, None, True)
    # "Queue outcome" is not a field of the feed: a record carrying it anyway is not a queue call.
    fake = parse_cdr_record({**cdr_record("x", ORG, "2026-11-16T10:00:00.000Z", "2026-11-16T10:01:00.000Z"),
                             "Queue outcome": "abandoned", "Queue wait": "42"})
    assert (fake.queue_outcome, fake.wait_s) == (None, None)
    # Nor does the feed carry media figures or video.
    assert (fake.audio_jitter_ms, fake.has_video, fake.video_s) == (None, False, 0)


def test_documented_feature_values_are_recognised():
    base = ("f", ORG, "2026-11-16T10:00:00.000Z", "2026-11-16T10:01:00.000Z")
    assert parse_cdr_record(cdr_record(*base, **{"Related reason": "CalllPark"})).feature == "call_park"
    assert parse_cdr_record(cdr_record(*base, **{"Queue Type": "Customer Assist"})).feature == "call_queue"
    assert parse_cdr_record(cdr_record(*base, **{"User type": "HuntGroup"})).feature == "hunt_group"
    assert parse_cdr_record(cdr_record(*base, **{"User type": "VoiceMailGroup"})).feature == "voicemail"


def test_queue_insights_from_real_records(session, world):
    result = _ingest(session, world, _week_of_queue_calls())
    assert result.added == 10
    sums = {name: 0 for name in ("queue_calls", "queue_answered", "queue_abandoned", "queue_timed_out",
                                 "queue_overflowed", "queue_transferred")}
    for row in session.exec(select(CallRollup)).all():
        for name in sums:
            sums[name] += getattr(row, name)
    assert sums == {"queue_calls": 8, "queue_answered": 3, "queue_abandoned": 2, "queue_timed_out": 1,
                    "queue_overflowed": 1, "queue_transferred": 1}

    section = queues(session=session, partner_id=world.id, as_of=AS_OF, settings=S)
    kpis = {k.key: k.value for k in section.kpis}
    # abandoned 2 of 8; answer wait (20 + 40 + 11 + 15) / 4 (answered and transferred);
    # wait before abandoning (30 + 90) / 2
    assert kpis == {"queue_calls": 8, "avg_answer_s": 21.5, "avg_abandon_wait_s": 60.0, "abandon_rate": 0.25}
    assert section.table.loc[0, "customer"] == "Acme Corp"

    feats = features(session=session, partner_id=world.id, as_of=AS_OF, settings=S)
    assert {k.key: k.value for k in feats.kpis}["customers_with_queues"] == 1


def test_abandoned_call_spike_fires_on_real_records(session, world):
    # Four usual weeks: 20 queued calls, 1 abandoned (5 %); last week 20 calls, 10 abandoned.
    records = []
    for weeks_back, abandoned in ((4, 1), (3, 1), (2, 1), (1, 1), (0, 10)):
        day = MON - timedelta(days=7 * weeks_back)
        for i in range(20):
            fields = {"Releasing party": "Remote", "Ring duration": 40} if i < abandoned else \
                {"Answered": "true", "Ring duration": 10}
            records.append(queue_entry(f"s{weeks_back}-{i}", ORG, _t(day, i), _t(day, i + 60), **fields))
    _ingest(session, world, records)
    week = date(2026, 11, 21)
    weekly = load_queue_weeks(session, partner_id=world.id, week=week, weeks=4, customer_ids=None)
    spikes = abandoned_spikes(weekly, week=week, factor=2.0, min_calls=20, baseline_weeks=4, min_rate=0.05)
    assert len(spikes) == 1
    row = spikes.iloc[0]
    assert (int(row.queue_calls), int(row.queue_abandoned), row.rate) == (20, 10, 0.5)
    assert row.baseline_rate == pytest.approx(0.05)


def test_quality_is_unknown_not_zero_without_a_quality_source(session, world):
    from partnerhub_core import provenance
    from partnerhub_core.analytics.calling import quality
    from partnerhub_core.provenance import SourceFamily

    _ingest(session, world, _week_of_queue_calls())
    provenance.record_failure(session, partner_id=world.id, family=SourceFamily.CALL_QUALITY, now=NOW,
                              error="not readable")
    section = quality(session=session, partner_id=world.id, as_of=AS_OF, settings=S)
    assert {k.key: k.value for k in section.kpis} == {
        "legs_with_media": None, "poor_legs": None, "poor_share": None, "customers_with_poor": None}
    assert all(k.source == "call_quality" for k in section.kpis)
    # One row per customer with calls, its quality figures unknown; the trend has no zeros.
    assert section.rows() == [{"customer": "Acme Corp", "region": "US", "legs_with_media": None, "poor_legs": None,
                               "poor_share": None}]
    assert section.trend["poor_legs"].isna().all() and section.breakdown["poor_share"].isna().all()
    [note] = section.notes
    assert (note.family, note.known, note.total, note.unit) == ("call_quality", 0, 1, "customers")
    assert note.state.last_error == "not readable"
    assert section.to_dict()["sources"]["call_quality"]["figures_known"] == 0

    # The same week with the family known: figures are numbers again (no leg reported media: 0).
    provenance.record_refresh(session, partner_id=world.id, family=SourceFamily.CALL_QUALITY, now=NOW, rows=0)
    known = quality(session=session, partner_id=world.id, as_of=AS_OF, settings=S)
    assert {k.key: k.value for k in known.kpis}["legs_with_media"] == 0 and known.notes == []


def test_without_call_history_the_calling_figures_are_unknown_not_zero(session, world):
    from partnerhub_core import provenance
    from partnerhub_core.analytics.calling import usage
    from partnerhub_core.models import Customer, Subscription
    from partnerhub_core.provenance import SourceFamily

    # Nothing ingested; the one customer has Webex Calling, and the call history could not be read.
    acme = world
    cust = session.exec(select(Customer).where(Customer.org_id == ORG)).one()
    session.add(Subscription(partner_id=acme.id, customer_id=cust.id, subscription_id="SUB-1", product="calling",
                             total_licenses=10, start_date=date(2026, 1, 1)))
    provenance.record_failure(session, partner_id=acme.id, family=SourceFamily.CALL_HISTORY, now=NOW,
                              error="1 of 1 organizations could not be read (HTTP 403 ×1)",
                              missing_scopes=["spark-admin:calling_cdr_read"])
    for section in (usage, queues, features):
        got = section(session=session, partner_id=acme.id, as_of=AS_OF, settings=S)
        assert all(k.value is None and k.source == "call_history" for k in got.kpis), got.key
        [note] = got.notes
        assert (note.family, note.known, note.total) == ("call_history", 0, 1)
        assert note.state.missing_scopes == ["spark-admin:calling_cdr_read"]

    # Read for some organizations only: the figures show, with how many were read.
    provenance.record_refresh(session, partner_id=acme.id, family=SourceFamily.CALL_HISTORY, now=NOW, rows=10,
                              covered=3, total=5)
    _ingest(session, world, _week_of_queue_calls())
    got = queues(session=session, partner_id=acme.id, as_of=AS_OF, settings=S)
    assert {k.key: k.value for k in got.kpis}["queue_calls"] == 8
    [note] = got.notes
    assert (note.known, note.total, note.unit) == (3, 5, "customers")
