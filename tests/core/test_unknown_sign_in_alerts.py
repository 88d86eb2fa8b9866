"""Unknown is not zero, for admin sign-in and for alerts.

as_of = 2026-03-14, no_recent_activity_days = 30, source_stale_days = 7. Three customers,
each with one paid Meetings line in force (so each is "active"):
  Recent  signed in 2026-03-10 (4 days ago)            -> no status from sign-in
  Old     signed in 2026-01-28 (45 days ago)           -> no_recent_activity
  Never   never signed in                              -> no_recent_activity
when the sign-in source read them (sign_in_checked_at 2026-03-14 06:00). Without that read,
their sign-in is unknown: no no_recent_activity, and every other status is the same.
"""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from partnerhub_core import alerts
from partnerhub_core.models import CallRollup, Subscription
from partnerhub_core.provenance import SourceFamily, record_failure, record_refresh
from partnerhub_core.statuses import customer_statuses, statuses_of
from partnerhub_core.unknown import note_lines
from tests.factories import make_customer, make_partner, make_subscription

AS_OF = date(2026, 3, 14)
READ = datetime(2026, 3, 14, 6, 0, tzinfo=timezone.utc)
SIGN_INS = {"Recent": datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc),
            "Old": datetime(2026, 1, 28, 9, 0, tzinfo=timezone.utc), "Never": None}


def build(session, checked: dict[str, datetime | None]):
    p = make_partner(session)
    out = {}
    for name, sign_in in SIGN_INS.items():
        c = make_customer(session, p, name, last_admin_sign_in=sign_in, sign_in_checked_at=checked.get(name))
        make_subscription(session, c, subscription_id=f"S-{name}", end=date(2027, 1, 1))
        out[name] = c
    session.commit()
    return p, out


def statuses_by_name(session, settings, p, customers):
    found = customer_statuses(session=session, partner_id=p.id, as_of=AS_OF, settings=settings)
    pure = {c.name: [s.value for s in statuses_of(c, list(c_subs(session, c)), {}, as_of=AS_OF, settings=settings)]
            for c in customers.values()}
    bulk = {c.name: [s.value for s in found[c.id]] for c in customers.values()}
    assert pure == bulk
    return bulk


def c_subs(session, customer):
    return session.exec(select(Subscription).where(Subscription.customer_id == customer.id)).all()


def test_sign_in_known_gives_no_recent_activity(session, settings):
    p, cs = build(session, {n: READ for n in SIGN_INS})
    assert statuses_by_name(session, settings, p, cs) == {
        "Recent": ["active"], "Old": ["active", "no_recent_activity"], "Never": ["active", "no_recent_activity"]}


def test_sign_in_source_missing_sets_no_status_and_changes_nothing_else(session, settings):
    p, cs = build(session, {})
    assert statuses_by_name(session, settings, p, cs) == {"Recent": ["active"], "Old": ["active"],
                                                          "Never": ["active"]}
    digest = alerts.build_digest(session=session, partner_id=p.id, as_of=AS_OF, settings=settings, alerts=[])
    kpis = {k.key: k.value for k in digest.kpis}
    # unknown, not 0; the other counts as with the source
    assert kpis == {"customers": 3, "active": 3, "trial": 0, "expiring_soon": 0, "license_overage": 0,
                    "no_recent_activity": None}
    assert note_lines(digest.notes, lambda s: s) == [
        "Admin sign-in known for 0 of 3 customers.",
        "— Admin sign-in: not connected. To connect it, give the partner's Webex token audit:events_read and "
        "sync; `sources` lists every source."]


def test_partial_sign_in_counts_the_known_and_says_so(session, settings):
    p, cs = build(session, {"Recent": READ, "Old": READ})
    assert statuses_by_name(session, settings, p, cs)["Never"] == ["active"]
    digest = alerts.build_digest(session=session, partner_id=p.id, as_of=AS_OF, settings=settings, alerts=[])
    assert {k.key: k.value for k in digest.kpis}["no_recent_activity"] == 1  # Old
    assert note_lines(digest.notes, lambda s: s)[0] == "Admin sign-in known for 2 of 3 customers."


def test_a_stale_sign_in_read_is_unknown(session, settings):
    # read 8 days before as_of: more than source_stale_days (7) ago
    p, cs = build(session, {n: datetime(2026, 3, 6, 6, 0, tzinfo=timezone.utc) for n in SIGN_INS})
    assert statuses_by_name(session, settings, p, cs)["Old"] == ["active"]
    fresh = settings.model_copy(update={"source_stale_days": 8})
    assert statuses_by_name(session, fresh, p, cs)["Old"] == ["active", "no_recent_activity"]


# --- alerts whose input is missing are off, and the digest says why -----------------
def _spike_rollups(session, customer):
    # A spike for the rule: 40 queue calls, 8 abandoned (20%) in the week ending 03-07,
    # against 5% in each of the four weeks before.
    for i, (calls, abandoned) in enumerate([(40, 8), (100, 5), (100, 5), (80, 4), (100, 5)]):
        week = date(2026, 3, 7) - timedelta(weeks=i)
        session.add(CallRollup(partner_id=customer.partner_id, customer_id=customer.id, day=week, week_ending=week,
                               queue_calls=calls, queue_abandoned=abandoned))
    session.commit()


def _digest(session, settings, p, kinds=("abandoned_spike",)):
    return alerts.build_digest(session=session, partner_id=p.id, as_of=AS_OF, settings=settings, alerts=list(kinds))


def test_spike_alert_without_call_history_is_off_and_says_why(session, settings):
    p, cs = build(session, {n: READ for n in SIGN_INS})
    digest = _digest(session, settings, p, ("expiring", "abandoned_spike"))
    # no call history at all, never read: the spike alert is off; expiring (imported
    # subscriptions) is on
    assert [a.kind for a in digest.alerts] == ["expiring"]
    assert [(o.kind, o.family) for o in digest.off] == [("abandoned_spike", "call_history")]
    assert not digest.is_empty()  # the digest is posted to say so


def test_spike_alert_with_a_failed_read_is_off_even_with_old_rows(session, settings):
    p, cs = build(session, {n: READ for n in SIGN_INS})
    _spike_rollups(session, cs["Old"])
    record_failure(session, partner_id=p.id, family=SourceFamily.CALL_HISTORY, now=READ, error="403",
                   missing_scopes=["spark-admin:calling_cdr_read"])
    session.commit()
    digest = _digest(session, settings, p)
    assert digest.alerts == [] and digest.off[0].state.missing_scopes == ["spark-admin:calling_cdr_read"]
    # once the source is read, the alert runs and fires on the same rows
    record_refresh(session, partner_id=p.id, family=SourceFamily.CALL_HISTORY, now=READ, rows=5)
    session.commit()
    digest = _digest(session, settings, p)
    assert digest.off == []
    (spike,) = digest.alerts
    assert [(r.customer, r.facts["queue_abandoned"], r.facts["rate"]) for r in spike.rows] == [
        ("Old", 8, pytest.approx(0.2))]


def test_an_alert_off_is_news_only_on_the_first_digest(session, settings):
    p, cs = build(session, {n: READ for n in SIGN_INS})
    digest = _digest(session, settings, p)
    assert digest.off and digest.changes is None and not digest.is_empty()
    digest.changes = alerts.Changes()  # a later digest: nothing changed since the last one
    assert digest.is_empty()
