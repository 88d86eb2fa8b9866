"""Which alerts fire, the spike rule, what changed since the last digest, acknowledge/snooze."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlmodel import select

from partnerhub_core import alerts
from partnerhub_core.alerts import Changes, abandoned_spikes, changes_since
from partnerhub_core.auth import Actor
from partnerhub_core.errors import BadInput, NotAllowed, NotFound
from partnerhub_core.models import AuditEvent, CallRollup, Role, Schedule
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription

AS_OF = date(2026, 11, 23)  # a Monday; the last completed week ended Saturday 2026-11-21
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
RECENT = datetime(2026, 11, 20, tzinfo=timezone.utc)
W = date(2026, 11, 21)


def wk(n: int) -> date:
    return W - timedelta(days=7 * n)


# --- the spike rule, by hand ------------------------------------------------------
def _weekly(rows):
    return pd.DataFrame(rows, columns=["customer_id", "week_ending", "queue_calls", "queue_abandoned"])


def test_spike_rule_hand_computed():
    rows = [
        # 1: baseline rates .05 .05 .05 .10 -> mean .0625; last week 8/40 = .20 > 2 x .0625
        (1, wk(1), 100, 5), (1, wk(2), 100, 5), (1, wk(3), 80, 4), (1, wk(4), 50, 5), (1, W, 40, 8),
        # 2: half abandoned, but 10 calls < min_calls 20
        (2, wk(1), 10, 0), (2, wk(2), 10, 0), (2, wk(3), 10, 0), (2, wk(4), 10, 0), (2, W, 10, 5),
        # 3: baseline .10; last week exactly .20 is not MORE than 2 x .10
        (3, wk(1), 100, 10), (3, wk(2), 100, 10), (3, wk(3), 100, 10), (3, wk(4), 100, 10), (3, W, 100, 20),
        # 4: baseline 0; .04 is under min_rate .05
        (4, wk(1), 50, 0), (4, wk(2), 50, 0), (4, wk(3), 50, 0), (4, wk(4), 50, 0), (4, W, 50, 2),
        # 5: baseline 0 over three weeks with calls; .06 >= .05 and > 0
        (5, wk(1), 50, 0), (5, wk(2), 50, 0), (5, wk(3), 50, 0), (5, W, 50, 3),
        # 6: one baseline week only: not enough history to judge
        (6, wk(1), 100, 1), (6, W, 100, 30),
        # 7: its older week (5 back) is outside the 4-week baseline: again one week only
        (7, wk(5), 100, 1), (7, wk(1), 100, 1), (7, W, 100, 30),
    ]
    out = abandoned_spikes(_weekly(rows), week=W, factor=2.0, min_calls=20, baseline_weeks=4, min_rate=0.05)
    assert list(out["customer_id"]) == [1, 5]
    first = out.iloc[0]
    assert (first["queue_calls"], first["queue_abandoned"]) == (40, 8)
    assert first["rate"] == pytest.approx(0.20)
    assert first["baseline_rate"] == pytest.approx(0.0625)
    assert first["baseline_weeks"] == 4
    assert first["times_baseline"] == pytest.approx(3.2)
    fifth = out.iloc[1]
    assert (fifth["rate"], fifth["baseline_rate"], fifth["baseline_weeks"]) == (pytest.approx(0.06), 0.0, 3)
    assert fifth["times_baseline"] is None or pd.isna(fifth["times_baseline"])


def test_spike_rule_with_a_lower_factor_catches_customer_3():
    rows = [(3, wk(i), 100, 10) for i in range(1, 5)] + [(3, W, 100, 20)]
    out = abandoned_spikes(_weekly(rows), week=W, factor=1.5, min_calls=20, baseline_weeks=4, min_rate=0.05)
    assert list(out["customer_id"]) == [3]


def test_spike_rule_on_no_data_is_empty():
    assert abandoned_spikes(_weekly([]), week=W, factor=2, min_calls=1, baseline_weeks=4, min_rate=0).empty


# --- what changed since the last digest, by hand ----------------------------------
def test_changes_since_hand_computed():
    previous = {
        1: {"expiring_soon", "active"},
        2: {"license_overage", "active"},
        3: {"no_recent_activity"},
        4: {"expiring_soon"},
        5: {"active"},
        9: {"license_overage"},  # left the scope (untagged): not mentioned
    }
    current = {
        1: {"expiring_soon", "active"},  # unchanged
        2: {"active"},  # no longer over the limit: recovered
        3: {"no_recent_activity", "license_overage"},  # newly over
        4: {"expired", "no_recent_activity"},  # ran out: not "recovered"; newly inactive
        5: {"no_recent_activity", "active"},  # newly inactive
        6: {"expiring_soon", "trial"},  # new customer, expiring
    }
    assert changes_since(previous, current) == Changes(
        newly_expiring=[6],
        newly_over=[3],
        newly_inactive=[4, 5],
        recovered=[(2, "license_overage")],
    )


def test_no_change_is_empty():
    same = {1: {"active"}, 2: {"expiring_soon"}}
    assert changes_since(same, same).is_empty()


# --- a small partner, end to end --------------------------------------------------
@pytest.fixture
def world(session):
    p = make_partner(session, "Partner")
    a = make_customer(session, p, "Alpha", last_admin_sign_in=RECENT)
    b = make_customer(session, p, "Beta", last_admin_sign_in=RECENT)
    c = make_customer(session, p, "Gamma", region="EU", last_admin_sign_in=RECENT)
    d = make_customer(session, p, "Delta", last_admin_sign_in=RECENT)
    sa = make_subscription(session, a, subscription_id="SUB-A", end=AS_OF + timedelta(days=10))
    # Beta renews itself in 40 days: past the 30-day "expiring soon" window either way
    # (test_auto_renew_lines_alert_marked_unless_the_earlier_reading covers one inside it).
    sb = make_subscription(session, b, subscription_id="SUB-B", end=AS_OF + timedelta(days=40), auto_renew=True)
    make_snapshot(session, sb, date(2026, 11, 21), assigned=120)  # 20 over its 100
    make_subscription(session, c, subscription_id="TRIAL-C", is_trial=True, total=25,
                      start=date(2026, 11, 1), end=AS_OF + timedelta(days=5))
    make_subscription(session, d, subscription_id="SUB-D", end=date(2027, 6, 30))
    return {"partner": p, "a": a, "b": b, "c": c, "d": d, "sa": sa}


ALERTS = ["expiring", "overage"]


def _build(session, settings, world, as_of=AS_OF, **kw):
    return alerts.build_digest(session=session, partner_id=world["partner"].id, as_of=as_of, settings=settings,
                               alerts=kw.pop("alerts", ALERTS), **kw)


def test_auto_renew_lines_alert_marked_unless_the_earlier_reading(session, settings, world):
    renews = make_customer(session, world["partner"], "Epsilon", last_admin_sign_in=RECENT)
    make_subscription(session, renews, subscription_id="SUB-E", end=AS_OF + timedelta(days=7), auto_renew=True)
    expiring = _build(session, settings, world, alerts=["expiring"]).alerts[0]
    # Gamma's trial in 5 days, Epsilon's auto-renew line in 7, Alpha's in 10.
    assert [(r.customer, r.facts["lines"][0]["days_left"], r.facts["lines"][0]["auto_renew"])
            for r in expiring.rows] == [("Gamma", 5, False), ("Epsilon", 7, True), ("Alpha", 10, False)]
    assert [r["auto_renew"] for r in expiring.section.rows()] == [False, True, False]
    earlier = settings.model_copy(update={"expiring_excludes_auto_renew": True})
    assert [r.customer for r in _build(session, earlier, world, alerts=["expiring"]).alerts[0].rows] == [
        "Gamma", "Alpha"]


def test_digest_rows_kpis_and_csv_section(session, settings, world):
    digest = _build(session, settings, world)
    expiring, overage = digest.alerts
    assert [(r.customer, r.facts["lines"][0]["days_left"]) for r in expiring.rows] == [("Gamma", 5), ("Alpha", 10)]
    assert expiring.rows[0].facts["lines"][0]["trial"] is True
    assert [(r.customer, r.facts["lines"][0]["overage"]) for r in overage.rows] == [("Beta", 20)]
    assert {k.key: k.value for k in digest.kpis} == {
        "customers": 4, "active": 3, "trial": 1, "expiring_soon": 2, "license_overage": 1,
        "no_recent_activity": 0,
    }
    assert expiring.section.rows()[0]["subscription_id"] == "TRIAL-C"
    assert digest.changes is None  # first digest
    assert not digest.is_empty()


def test_region_filter_keeps_only_that_regions_customers(session, settings, world):
    digest = _build(session, settings, world, region="EU")
    assert [r.customer for r in digest.alerts[0].rows] == ["Gamma"]
    assert digest.alerts[1].rows == []
    assert digest.kpis[0].value == 1


def test_acknowledged_alert_stays_quiet_until_it_changes(session, settings, world):
    actor = Actor(partner_id=world["partner"].id, role=Role.ADMIN, label="slack:U1")
    alpha = next(r for r in _build(session, settings, world).alerts[0].rows if r.customer == "Alpha")
    alerts.acknowledge(session=session, actor=actor, kind="expiring", customer_id=world["a"].id,
                       fingerprint=alpha.fingerprint, now=NOW)
    quiet = _build(session, settings, world).alerts[0]
    assert ([r.customer for r in quiet.rows], quiet.muted) == (["Gamma"], 1)
    # the renewal date moves (still within 30 days): the facts changed, the alert is back
    world["sa"].end_date = AS_OF + timedelta(days=20)
    session.add(world["sa"])
    session.flush()
    back = _build(session, settings, world).alerts[0]
    assert ([r.customer for r in back.rows], back.muted) == (["Gamma", "Alpha"], 0)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "alert.acknowledge")).one()
    assert event.actor == "slack:U1" and event.after["muted_fingerprint"] == alpha.fingerprint


def test_snoozed_alert_returns_when_the_snooze_ends(session, settings, world):
    actor = Actor(partner_id=world["partner"].id, role=Role.FULL_ADMIN, label="slack:U1")
    gamma = _build(session, settings, world).alerts[0].rows[0]
    alerts.snooze(session=session, actor=actor, kind="expiring", customer_id=world["c"].id,
                  fingerprint=gamma.fingerprint, until=AS_OF + timedelta(days=3), as_of=AS_OF, now=NOW)
    day2 = _build(session, settings, world, as_of=AS_OF + timedelta(days=2)).alerts[0]
    assert [r.customer for r in day2.rows] == ["Alpha"]
    day3 = _build(session, settings, world, as_of=AS_OF + timedelta(days=3)).alerts[0]
    assert [r.customer for r in day3.rows] == ["Gamma", "Alpha"]
    with pytest.raises(BadInput):
        alerts.snooze(session=session, actor=actor, kind="expiring", customer_id=world["c"].id,
                      fingerprint=gamma.fingerprint, until=AS_OF, as_of=AS_OF, now=NOW)


def test_owner_is_shown_and_audited(session, settings, world):
    actor = Actor(partner_id=world["partner"].id, role=Role.ADMIN, label="slack:U1")
    alerts.assign_owner(session=session, actor=actor, kind="overage", customer_id=world["b"].id,
                        owner_slack_user_id="U777", now=NOW)
    row = _build(session, settings, world).alerts[1].rows[0]
    assert row.owner_slack_user_id == "U777"
    assert session.exec(select(AuditEvent.action)).all() == ["alert.assign_owner"]


def test_read_only_cannot_act_and_other_partners_customer_is_not_found(session, settings, world):
    with pytest.raises(NotAllowed):
        alerts.acknowledge(session=session, actor=Actor(partner_id=world["partner"].id, role=Role.READ_ONLY),
                           kind="overage", customer_id=world["b"].id, fingerprint="x", now=NOW)
    other = make_partner(session, "Other")
    with pytest.raises(NotFound):
        alerts.acknowledge(session=session, actor=Actor.system(other.id), kind="overage",
                           customer_id=world["b"].id, fingerprint="x", now=NOW)


def test_abandoned_spike_alert_reads_the_weekly_rollups(session, settings, world):
    a = world["a"]
    for i, (calls, abandoned) in enumerate([(40, 8), (100, 5), (100, 5), (80, 4), (50, 5)]):
        week = wk(i)
        session.add(CallRollup(partner_id=a.partner_id, customer_id=a.id, day=week, week_ending=week,
                               queue_calls=calls, queue_abandoned=abandoned))
    session.flush()
    digest = _build(session, settings, world, alerts=["abandoned_spike"])
    (spike,) = digest.alerts
    assert [(r.customer, r.facts["queue_abandoned"], r.facts["rate"]) for r in spike.rows] == [("Alpha", 8, 0.2)]
    assert len(spike.history) == 5


def test_changes_since_the_last_digest_of_the_schedule(session, settings, world):
    p = world["partner"]
    schedule = Schedule(partner_id=p.id, target_id="C1", alerts=ALERTS, created_at=NOW, updated_at=NOW)
    session.add(schedule)
    session.flush()
    week_before = AS_OF - timedelta(days=7)
    last = alerts.digest_for_schedule(session=session, schedule=schedule, period=week_before.isoformat(),
                                      as_of=week_before, settings=settings)
    assert last.changes is None
    alerts.store_snapshot(session, schedule=schedule, period=week_before.isoformat(), digest=last, now=NOW)
    # A week ago (11-16): Alpha 17 days from its end, Gamma's trial 12: both expiring. Beta
    # auto-renews (never expiring) and its over-the-limit snapshot is dated 11-21: not yet.
    assert last.statuses[world["a"].id] == ["active", "expiring_soon"]
    assert last.statuses[world["b"].id] == ["active"]
    assert last.statuses[world["c"].id] == ["trial", "expiring_soon"]
    world["sa"].end_date = date(2027, 11, 30)  # Alpha renewed: recovered
    session.add(world["sa"])
    session.flush()
    now_digest = alerts.digest_for_schedule(session=session, schedule=schedule, period=AS_OF.isoformat(),
                                            as_of=AS_OF, settings=settings)
    assert now_digest.changes == Changes(
        newly_expiring=[], newly_over=[world["b"].id], newly_inactive=[],
        recovered=[(world["a"].id, "expiring_soon")],
    )


def test_low_assignment_alert_uses_the_analytics_percentile_rule(session, settings):
    p = make_partner(session, "Partner")
    # meetings ratios .05 .60 .80 .90: 25th percentile = .05 + .75 x (.60 - .05) = .4625;
    # low = at or below it and under 50%: only "Low".
    for name, assigned in (("Low", 5), ("Mid", 60), ("High", 80), ("Full", 90)):
        c = make_customer(session, p, name, last_admin_sign_in=RECENT)
        sub = make_subscription(session, c, subscription_id=f"SUB-{name}", total=100)
        make_snapshot(session, sub, date(2026, 11, 21), assigned=assigned)
    digest = alerts.build_digest(session=session, partner_id=p.id, as_of=AS_OF, settings=settings,
                                 alerts=["low_assignment"])
    (low,) = digest.alerts
    assert [(r.customer, r.facts["lines"][0]["subscription_id"]) for r in low.rows] == [("Low", "SUB-Low")]
    assert low.rows[0].facts["lines"][0]["assigned_pct"] == pytest.approx(0.05)
    assert "product" in [c.key for c in low.section.columns]


def test_whole_partner_digest_reads_customers_once_and_low_rows_match_a_fresh_frame(session, settings):
    """The digest hands the low-assignment rule its own frames (``preloaded``): the
    customers are not read again to narrow to the ids it already holds, and the rows are
    those of the rule over freshly loaded frames."""
    import sqlalchemy as sa

    from partnerhub_core.alert_rules import low_assignment_alert

    p = make_partner(session, "Partner")
    for name, assigned, region in (("Low", 5, "US"), ("Mid", 60, "EU"), ("High", 80, "US"), ("Full", 90, "EU")):
        c = make_customer(session, p, name, region=region, last_admin_sign_in=RECENT)
        sub = make_subscription(session, c, subscription_id=f"SUB-{name}", total=100)
        make_snapshot(session, sub, date(2026, 11, 21), assigned=assigned)
    session.flush()
    reads = []

    def count(conn, cursor, statement, *args):
        if "FROM customer" in statement and "customertag" not in statement.lower():
            reads.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        digest = alerts.build_digest(session=session, partner_id=p.id, as_of=AS_OF, settings=settings,
                                     alerts=["low_assignment"])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(reads) == 1
    ids = {c for c in digest.names}
    fresh = low_assignment_alert(session, partner_id=p.id, as_of=AS_OF, settings=settings, tag=None, region=None,
                                 customer_ids=ids)
    pd.testing.assert_frame_equal(digest.alerts[0].section.table, fresh.table)
    # a region narrows the preloaded customers in memory, as a fresh load narrows them
    from partnerhub_core.analytics.common import load_customers, load_latest_snapshots, load_subscriptions

    preloaded = (load_customers(session, partner_id=p.id), load_subscriptions(session, partner_id=p.id),
                 load_latest_snapshots(session, partner_id=p.id, as_of=AS_OF, with_previous=True))
    for region, some in (("EU", ids), ("US", {min(ids)}), (None, {min(ids)})):
        kw = dict(partner_id=p.id, as_of=AS_OF, settings=settings, tag=None, region=region, customer_ids=some)
        pd.testing.assert_frame_equal(low_assignment_alert(session, preloaded=preloaded, **kw).table,
                                      low_assignment_alert(session, **kw).table)


def test_schedule_of_an_admin_with_assigned_customers_shows_only_those(session, settings, world):
    from partnerhub_core import schedules
    from partnerhub_core.models import CustomerAdmin, PartnerAdmin

    p = world["partner"]
    admin = PartnerAdmin(partner_id=p.id, display_name="Ana", email="ana@x.example", role=Role.ADMIN)
    session.add(admin)
    session.flush()
    session.add(CustomerAdmin(customer_id=world["c"].id, partner_admin_id=admin.id, partner_id=p.id))
    session.flush()
    sched = schedules.subscribe_digest(session=session, actor=Actor.for_admin(admin), channel_id="C1",
                                       spec=schedules.ScheduleSpec.parse(["alerts:expiring,overage"]), now=NOW)
    assert sched.scope_admin_id == admin.id
    digest = alerts.digest_for_schedule(session=session, schedule=sched, period="2026-11-23", as_of=AS_OF,
                                        settings=settings)
    assert [[r.customer for r in a.rows] for a in digest.alerts] == [["Gamma"], []]
    assert digest.kpis[0].value == 1
    # a full admin's subscription covers every customer
    full = schedules.subscribe_digest(session=session, actor=Actor.system(p.id), channel_id="C2",
                                      spec=schedules.ScheduleSpec.parse(["alerts:expiring"]), now=NOW)
    assert full.scope_admin_id is None
    everyone = alerts.digest_for_schedule(session=session, schedule=full, period="2026-11-23", as_of=AS_OF,
                                          settings=settings)
    assert [r.customer for r in everyone.alerts[0].rows] == ["Gamma", "Alpha"]
