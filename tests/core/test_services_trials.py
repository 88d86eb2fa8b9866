from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from partnerhub_core.errors import BadInput, Conflict, NotAllowed, NotFound
from partnerhub_core.models import Product, Role, Subscription, TrialRequest
from partnerhub_core.services import trials
from tests.core.service_world import AS_OF, NOW, audit_rows, build


@pytest.fixture
def world(session):
    return build(session)


def start(session, world, role=Role.SALES_ADMIN, customer=None, **kw):
    args = {"product": "meetings", "licenses": "25", "days": "30"} | kw
    return trials.request_trial(
        session=session, actor=world.actor(role), customer_id=(customer or world.acme).id,
        as_of=AS_OF, now=NOW, **args,
    )


def webex_trial(session, world, customer, product, sid, start=date(2026, 11, 25), end=date(2026, 12, 25)):
    """A trial as a sync stores it once Webex has it."""
    row = Subscription(partner_id=world.partner.id, customer_id=customer.id, subscription_id=sid, is_trial=True,
                       product=product, total_licenses=25, start_date=start, end_date=end)
    session.add(row)
    session.flush()
    return row


def test_asking_for_a_trial_records_a_pending_request_and_starts_nothing(session, world):
    request = start(session, world, product="Webex Calling", licenses="40", days="45")
    assert (request.state, request.product, request.licenses, request.days) == ("pending", "calling", 40, 45)
    assert request.requested_at == NOW and request.subscription_id is None
    # No trial subscription is invented: only Webex can say a trial exists.
    assert session.exec(select(Subscription).where(Subscription.is_trial == True)).all() == []  # noqa: E712
    [row] = audit_rows(session, "trial.request")
    assert (row.actor, row.target_type, row.target_id) == (
        f"admin:{world.admins[Role.SALES_ADMIN].id}", "customer", str(world.acme.id)
    )
    assert row.before == {"trials_in_progress": []}
    assert row.after == {"request_id": request.id, "product": "calling", "licenses": 40, "days": 45,
                         "state": "pending"}
    assert trials.pending_requests(session=session, partner_id=world.partner.id) == [request]


def test_days_default_to_thirty(session, world):
    assert start(session, world, role=Role.FULL_ADMIN, customer=world.globex, days=None).days == 30


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.ADMIN])
def test_only_full_and_sales_admins_request_trials(session, world, role):
    with pytest.raises(NotAllowed) as err:
        start(session, world, role=role)
    assert err.value.render().startswith("You need the full partner admin or sales admin role")
    assert session.exec(select(TrialRequest)).all() == []
    assert audit_rows(session) == []


def test_a_second_request_or_a_running_trial_of_the_same_product_is_refused(session, world):
    start(session, world, product="meetings")
    with pytest.raises(Conflict) as err:
        start(session, world, product="MEETINGS")
    assert err.value.render() == ("A meetings trial for Acme Corp was already requested on 2026-11-25; "
                                  "finish it in Partner Hub.")
    webex_trial(session, world, world.globex, "meetings", "WX-T1", end=date(2026, 12, 5))
    with pytest.raises(Conflict) as err:
        start(session, world, role=Role.FULL_ADMIN, customer=world.globex, product="meetings")
    assert err.value.render() == "Globex already has a meetings trial in progress (ends 2026-12-05)."
    # Another product is fine.
    assert start(session, world, product="calling").state == "pending"


def test_a_sync_that_sees_the_trial_marks_the_request_started(session, world):
    meetings = start(session, world, product="meetings")
    calling = start(session, world, product="calling")
    # Nothing in Webex yet: the requests stay pending.
    assert trials.reconcile_requests(session=session, partner_id=world.partner.id, now=NOW) == []
    # An older trial of the same product (ended before the request) is not the one asked for;
    # a trial of the same product for another customer is not either.
    webex_trial(session, world, world.acme, "meetings", "WX-OLD", start=date(2026, 6, 1), end=date(2026, 7, 1))
    webex_trial(session, world, world.globex, "meetings", "WX-GLOBEX")
    assert trials.reconcile_requests(session=session, partner_id=world.partner.id, now=NOW) == []
    webex_trial(session, world, world.acme, "meetings", "WX-NEW", start=date(2026, 11, 26))
    later = NOW.replace(day=26)
    assert trials.reconcile_requests(session=session, partner_id=world.partner.id, now=later) == [meetings]
    assert (meetings.state, meetings.subscription_id, meetings.started_at) == ("started", "WX-NEW", later)
    assert calling.state == "pending"
    assert trials.pending_requests(session=session, partner_id=world.partner.id) == [calling]
    [row] = audit_rows(session, "trial.started")
    assert (row.actor, row.after) == ("system:sync", {"request_id": meetings.id, "state": "started",
                                                       "subscription_id": "WX-NEW"})


@pytest.mark.parametrize(
    "args, message",
    [
        ({"licenses": "0"}, "The license count must be a whole number from 1 to 1000."),
        ({"licenses": "1001"}, "The license count must be a whole number from 1 to 1000."),
        ({"licenses": "-5"}, "The license count must be a whole number from 1 to 1000."),
        ({"licenses": "ten"}, "The license count must be a whole number from 1 to 1000."),
        ({"licenses": "١٢"}, "The license count must be a whole number from 1 to 1000."),
        ({"licenses": "99999999999999999999"}, "The license count must be a whole number from 1 to 1000."),
        ({"days": "0"}, "The trial length in days must be a whole number from 1 to 90."),
        ({"days": "91"}, "The trial length in days must be a whole number from 1 to 90."),
        ({"days": "2.5"}, "The trial length in days must be a whole number from 1 to 90."),
        ({"product": "zoom"}, 'Unknown product "zoom". Choose one of: meetings, calling, messaging, '
                              "webinars, contact_center, real_time_translations."),
        ({"product": "'; drop table subscription;--"}, 'Unknown product "\'; drop table subscription;--". '
         "Choose one of: meetings, calling, messaging, webinars, contact_center, real_time_translations."),
    ],
)
def test_bad_trial_input_gets_a_clear_message(session, world, args, message):
    with pytest.raises(BadInput) as err:
        start(session, world, **args)
    assert err.value.render() == message


def test_bounds_are_inclusive(session, world):
    assert start(session, world, licenses="1", days="90").days == 90
    assert start(session, world, product="calling", licenses="1000", days="1").licenses == 1000


@pytest.mark.parametrize(
    "typed, product",
    [("Meetings", Product.MEETINGS), ("contact center", Product.CONTACT_CENTER), ("RTT", Product.REAL_TIME_TRANSLATIONS),
     ("real_time_translations", Product.REAL_TIME_TRANSLATIONS), ("webinar", Product.WEBINARS)],
)
def test_product_words(typed, product):
    assert trials.parse_product(typed) is product


def test_sales_admin_cannot_request_a_trial_for_an_unassigned_or_foreign_customer(session, world):
    with pytest.raises(NotFound):
        start(session, world, customer=world.globex)
    with pytest.raises(NotFound):
        start(session, world, role=Role.FULL_ADMIN, customer=world.foreign)


def test_trials_in_progress_ignores_cancelled_and_ended_trials(session, world):
    rows = [
        Subscription(partner_id=world.partner.id, customer_id=world.acme.id, subscription_id=sid, is_trial=True,
                     product=p, start_date=date(2026, 11, 1), end_date=end, cancelled_on=cancelled)
        for sid, p, end, cancelled in [
            ("A", "meetings", date(2026, 12, 1), None),
            ("B", "calling", date(2026, 11, 24), None),
            ("C", "webinars", date(2026, 12, 1), date(2026, 11, 20)),
            ("D", "messaging", date(2026, 11, 25), None),
        ]
    ]
    session.add_all(rows)
    session.flush()
    running = trials.trials_in_progress(session=session, partner_id=world.partner.id, customer_id=world.acme.id, as_of=AS_OF)
    assert [s.subscription_id for s in running] == ["A", "D"]
