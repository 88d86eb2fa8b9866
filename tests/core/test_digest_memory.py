"""What keeps a digest under the answer processes' memory budget at 100,000 customers
(bench/RESULTS.md, issue 19) without changing what it shows: the order the alert rules
run in, shared strings in the frames, and the frame's product picks."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd

from partnerhub_core import alert_rules, alerts
from partnerhub_core.analytics.frames import _shared
from partnerhub_core.analytics.subscription_frame import Frame
from partnerhub_core.models import AlertKind
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription

AS_OF = date(2026, 11, 23)
RECENT = datetime(2026, 11, 20, tzinfo=timezone.utc)


def test_shared_strings_are_equal_values_with_one_object_each():
    states = ["active", "pending", None] * 500
    # New string objects, as a driver makes them: equal, not identical.
    made = ["".join(s) if s is not None else None for s in states]
    assert made[0] is not made[3]
    shared = _shared(made)
    assert shared == states
    assert shared[0] is shared[3] and shared[1] is shared[4]
    assert shared[2] is None


def test_shared_leaves_other_values_and_mostly_distinct_columns_alone():
    mixed = [1, True, 1.0, "x", float("nan")] * 300
    shared = _shared(mixed)
    assert [type(v) for v in shared] == [type(v) for v in mixed]  # 1 == True == 1.0: none replaced
    assert all(a is b for a, b in zip(shared, mixed) if not isinstance(a, str))
    names = [f"Customer {i}" for i in range(2000)]
    assert _shared(names) is names
    short = ["a"] * 10
    assert _shared(short) is short


def _frame() -> Frame:
    lines = pd.DataFrame({
        "sub_pk": [1, 2, 3, 4, 5, 6],
        "product": ["meetings", "calling", "meetings", "calling", "meetings", "messaging"],
        "in_force": [True, True, False, True, True, True],
        "assigned": [1, 2, 3, 4, 5, 6],
    }, index=[10, 11, 12, 13, 14, 15])
    return Frame(lines=lines, low=set(), thresholds={}, as_of=AS_OF, products=("meetings", "calling"))


def test_a_product_pick_is_the_same_rows_with_or_without_the_lines_in_force_picked_first():
    fresh, after = _frame(), _frame()
    after.in_force  # noqa: B018  (picks the lines in force first, as an overview does)
    for product in ("meetings", "calling", "messaging"):
        pd.testing.assert_frame_equal(fresh.selected(product), after.selected(product))
    assert list(fresh.selected("meetings")["sub_pk"]) == [1, 5]
    assert None not in fresh._picked  # the digest's path made no copy of every line in force


def test_rules_run_largest_transient_first_and_the_digest_shows_them_in_order(session, settings, monkeypatch):
    p = make_partner(session, "Partner")
    for name, assigned in (("Low", 5), ("Mid", 60), ("High", 80), ("Over", 130)):
        c = make_customer(session, p, name, last_admin_sign_in=RECENT)
        sub = make_subscription(session, c, subscription_id=f"SUB-{name}", total=100,
                                end=AS_OF + timedelta(days=10))
        make_snapshot(session, sub, date(2026, 11, 21), assigned=assigned)
    session.flush()
    ran = []
    for name in ("expiring_alert", "overage_alert", "low_assignment_alert", "spike_alert"):
        real = getattr(alerts, name)

        def spy(*a, _real=real, _name=name, **kw):
            ran.append(_name)
            return _real(*a, **kw)

        monkeypatch.setattr(alerts, name, spy)
    kinds = [k.value for k in AlertKind]
    digest = alerts.build_digest(session=session, partner_id=p.id, as_of=AS_OF, settings=settings, alerts=kinds)
    assert ran[0] == "low_assignment_alert"
    assert ran[1:] == [n for n in ("spike_alert", "expiring_alert", "overage_alert") if n in ran[1:]]
    assert {a.kind for a in digest.alerts} >= {"low_assignment", "expiring", "overage"}
    assert [a.kind for a in digest.alerts] == [k for k in kinds if k in {a.kind for a in digest.alerts}]
    assert [o.kind for o in digest.off] == [k for k in kinds if k in {o.kind for o in digest.off}]
    # The rows are those each rule gives alone.
    low = next(a for a in digest.alerts if a.kind == "low_assignment")
    alone = alert_rules.low_assignment_alert(session, partner_id=p.id, as_of=AS_OF, settings=settings, tag=None,
                                             region=None, customer_ids=set(digest.names))
    pd.testing.assert_frame_equal(low.section.table, alone.table)
