"""A trial request becomes started when a sync finds Webex's trial, not before."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlmodel import Session, select

from partnerhub_core.models import Customer, Subscription, TrialRequest
from tests.core.test_calling_sync_sources import ORG_A, run, wx  # noqa: F401  (fixtures)


def test_the_sync_marks_a_request_started_once_the_trial_exists(engine, run):  # noqa: F811
    partner_id, _ = run()  # first sync: Acme is known now
    with Session(engine) as s:
        acme_id = s.exec(select(Customer.id).where(Customer.org_id == ORG_A)).one()
        s.add(TrialRequest(partner_id=partner_id, customer_id=acme_id, product="meetings", licenses=5, days=30,
                           requested_at=datetime(2026, 11, 25, 9, tzinfo=timezone.utc), requested_by="slack:U1"))
        s.commit()
    run()
    with Session(engine) as s:
        assert s.exec(select(TrialRequest)).one().state == "pending"  # nothing in Webex yet
        # Webex has the trial now (as the Partner Hub export or Partner Reports give it).
        s.add(Subscription(partner_id=partner_id, customer_id=acme_id, subscription_id="WX-TRIAL-1", is_trial=True,
                           product="meetings", total_licenses=5, start_date=date(2026, 11, 25)))
        s.commit()
    run()
    with Session(engine) as s:
        request = s.exec(select(TrialRequest)).one()
        assert (request.state, request.subscription_id) == ("started", "WX-TRIAL-1")
