from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import select

from partnerhub_core.errors import BadInput, Conflict, NotAllowed, NotFound
from partnerhub_core.models import Product, Role, Subscription
from partnerhub_core.services import trials
from tests.core.service_world import AS_OF, NOW, audit_rows, build


@pytest.fixture
def world(session):
    return build(session)


def start(session, world, role=Role.SALES_ADMIN, customer=None, **kw):
    args = {"product": "meetings", "licenses": "25", "days": "30"} | kw
    return trials.start_trial(
        session=session, actor=world.actor(role), customer_id=(customer or world.acme).id,
        as_of=AS_OF, now=NOW, **args,
    )


def test_sales_admin_starts_a_trial_that_ends_after_the_given_days(session, world):
    trial = start(session, world, product="Webex Calling", licenses="40", days="45")
    assert (trial.is_trial, trial.product, trial.total_licenses) == (True, "calling", 40)
    assert (trial.start_date, trial.end_date) == (date(2026, 11, 25), date(2027, 1, 9))
    assert trial.auto_renew is False
    assert re.fullmatch(r"TRIAL-[0-9A-F]{12}", trial.subscription_id)
    [row] = audit_rows(session, "trial.start")
    assert (row.actor, row.target_type, row.target_id) == (
        f"admin:{world.admins[Role.SALES_ADMIN].id}", "customer", str(world.acme.id)
    )
    assert row.before == {"trials_in_progress": []}
    assert row.after == {
        "subscription_id": trial.subscription_id, "product": "calling", "licenses": 40,
        "start_date": "2026-11-25", "end_date": "2027-01-09",
    }


def test_days_default_to_thirty(session, world):
    trial = start(session, world, role=Role.FULL_ADMIN, customer=world.globex, days=None)
    assert trial.end_date == date(2026, 12, 25)


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.ADMIN])
def test_only_full_and_sales_admins_start_trials(session, world, role):
    with pytest.raises(NotAllowed) as err:
        start(session, world, role=role)
    assert err.value.render().startswith("You need the full partner admin or sales admin role")
    assert session.exec(select(Subscription)).all() == []
    assert audit_rows(session) == []


def test_a_second_trial_of_the_same_product_in_progress_is_refused(session, world):
    start(session, world, product="meetings", days="10")
    with pytest.raises(Conflict) as err:
        start(session, world, product="MEETINGS")
    assert err.value.render() == "Acme Corp already has a meetings trial in progress (ends 2026-12-05)."
    # Another product is fine; so is the same product once the first has ended.
    start(session, world, product="calling")
    ended = Subscription(
        partner_id=world.partner.id, customer_id=world.globex.id, subscription_id="T-OLD", is_trial=True,
        product="meetings", total_licenses=5, start_date=date(2026, 9, 1), end_date=date(2026, 11, 24),
    )
    session.add(ended)
    session.flush()
    start(session, world, role=Role.FULL_ADMIN, customer=world.globex, product="meetings")
    # A paid subscription of the same product does not block a trial.
    assert len(session.exec(select(Subscription).where(Subscription.customer_id == world.globex.id)).all()) == 2


def test_audit_before_lists_the_trials_already_running(session, world):
    start(session, world, product="calling")
    start(session, world, product="webinars")
    row = audit_rows(session, "trial.start")[-1]
    assert row.before == {"trials_in_progress": ["calling"]}


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
    assert start(session, world, licenses="1", days="90").end_date == date(2027, 2, 23)
    assert start(session, world, product="calling", licenses="1000", days="1").total_licenses == 1000


@pytest.mark.parametrize(
    "typed, product",
    [("Meetings", Product.MEETINGS), ("contact center", Product.CONTACT_CENTER), ("RTT", Product.REAL_TIME_TRANSLATIONS),
     ("real_time_translations", Product.REAL_TIME_TRANSLATIONS), ("webinar", Product.WEBINARS)],
)
def test_product_words(typed, product):
    assert trials.parse_product(typed) is product


def test_sales_admin_cannot_start_a_trial_for_an_unassigned_or_foreign_customer(session, world):
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
