"""One number, one label (issue 17, item 5): the analytics' headline counts Meetings and
Calling lines only, the digest counts every customer and product; each says so, so two
different figures never share a label."""
from __future__ import annotations

from datetime import date

from partnerhub_core import alerts
from partnerhub_core.analytics import subscriptions as subs
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription

AS_OF = date(2026, 11, 25)


def test_headline_and_digest_counts_say_what_they_count(session, settings):
    p = make_partner(session)
    # Meetings customer over its limit; a Messaging-only customer over its limit; a Calling one within.
    meet = make_subscription(session, make_customer(session, p, "Acme"), product="meetings", total=10,
                             start=date(2025, 1, 1), end=date(2027, 6, 1))
    make_snapshot(session, meet, date(2026, 11, 21), assigned=12, used_7d=5, used_90d=5)
    msg = make_subscription(session, make_customer(session, p, "Bravo"), product="messaging", total=5,
                            start=date(2025, 1, 1), end=date(2027, 6, 1))
    make_snapshot(session, msg, date(2026, 11, 21), assigned=9, used_7d=5, used_90d=5)
    call = make_subscription(session, make_customer(session, p, "Cobalt"), product="calling", total=10,
                             start=date(2025, 1, 1), end=date(2027, 6, 1))
    make_snapshot(session, call, date(2026, 11, 21), assigned=3, used_7d=3, used_90d=3)
    session.flush()

    def labels(section):
        return {k.key: (k.label, k.value) for k in section.kpis}

    head = labels(subs.headline_kpis(session=session, partner_id=p.id, as_of=AS_OF, settings=settings))
    assert head["total_customers"] == ("Customers with Meetings or Calling", 2)
    assert head["overage"] == ("Customers over the license limit in Meetings or Calling", 1)
    calling = labels(subs.headline_kpis(session=session, partner_id=p.id, as_of=AS_OF, settings=settings,
                                        product="calling"))
    assert calling["total_customers"] == ("Customers with Webex Calling", 1)
    assert calling["overage"] == ("Customers over the license limit in Webex Calling", 0)

    digest = alerts.build_digest(session=session, partner_id=p.id, as_of=AS_OF, settings=settings, alerts=[])
    shown = {k.key: (k.label, k.value) for k in digest.kpis}
    assert shown["customers"] == ("All customers (any product)", 3)
    assert shown["license_overage"] == ("Customers over the license limit (any product)", 2)
    # Different figures, different words.
    assert {head["total_customers"][0], head["overage"][0]}.isdisjoint(
        {shown["customers"][0], shown["license_overage"][0]})
