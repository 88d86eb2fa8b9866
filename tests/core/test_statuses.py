"""F1 status rules on hand-made customers; each rule checked through the pure
``statuses_of`` and the partner-wide ``customer_statuses`` (which must agree)."""
from datetime import date, datetime, timezone

import pytest

from partnerhub_core.models import CustomerStatus as S
from partnerhub_core.models import LicenseSnapshot, Subscription
from partnerhub_core.settings import Settings
from partnerhub_core.statuses import count_by_status, customer_statuses, statuses_of
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription

AS_OF = date(2026, 3, 14)
RECENT = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # 4 days before AS_OF


def both(session, settings, customer):
    """Statuses by the pure rules and by the set-based variant; they must agree."""
    subs = session.query(Subscription).filter(Subscription.customer_id == customer.id).all()
    snaps = session.query(LicenseSnapshot).filter(
        LicenseSnapshot.subscription_pk.in_([s.id for s in subs] or [-1])
    ).all()
    pure = statuses_of(customer, subs, snaps, as_of=AS_OF, settings=settings)
    bulk = customer_statuses(session=session, partner_id=customer.partner_id, as_of=AS_OF,
                             settings=settings)[customer.id]
    assert pure == bulk
    return pure


@pytest.fixture
def partner(session):
    return make_partner(session)


def test_paid_provisioned_subscription_in_force_is_active(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, start=date(2025, 1, 1), end=date(2027, 1, 1))
    assert both(session, settings, c) == [S.ACTIVE]


def test_trial_in_progress_is_trial_not_active(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, is_trial=True, start=date(2026, 3, 1), end=date(2026, 5, 30))
    assert both(session, settings, c) == [S.TRIAL]


def test_trial_ending_exactly_at_threshold_is_expiring_soon(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    # 2026-04-13 is 30 days after 2026-03-14: exactly the default threshold.
    make_subscription(session, c, is_trial=True, start=date(2026, 3, 1), end=date(2026, 4, 13))
    assert both(session, settings, c) == [S.TRIAL, S.EXPIRING_SOON]


def test_trial_ending_one_day_past_threshold_is_not_expiring_soon(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, is_trial=True, start=date(2026, 3, 1), end=date(2026, 4, 14))
    assert both(session, settings, c) == [S.TRIAL]


def test_subscription_ending_today_is_still_in_force_and_expiring(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, start=date(2025, 3, 15), end=AS_OF)
    assert both(session, settings, c) == [S.ACTIVE, S.EXPIRING_SOON]


def test_auto_renewing_subscription_ending_soon_is_expiring_as_the_guide_reads(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    # 2026-03-20 is 6 days after AS_OF; it auto-renews, and the guide's "expires in a few days" still holds.
    make_subscription(session, c, start=date(2025, 3, 20), end=date(2026, 3, 20), auto_renew=True)
    assert both(session, settings, c) == [S.ACTIVE, S.EXPIRING_SOON]
    earlier = settings.model_copy(update={"expiring_excludes_auto_renew": True})
    assert both(session, earlier, c) == [S.ACTIVE]  # the earlier reading: it renews, it does not expire


def test_auto_renewing_trial_is_expiring_under_either_reading(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, is_trial=True, start=date(2026, 3, 1), end=date(2026, 3, 31), auto_renew=True)
    assert both(session, settings, c) == [S.TRIAL, S.EXPIRING_SOON]
    earlier = settings.model_copy(update={"expiring_excludes_auto_renew": True})
    assert both(session, earlier, c) == [S.TRIAL, S.EXPIRING_SOON]


def test_expiring_threshold_comes_from_settings(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, start=date(2025, 1, 1), end=date(2026, 5, 13))  # 60 days
    assert both(session, settings, c) == [S.ACTIVE]
    wider = Settings(database_url=settings.database_url, expiring_soon_days=60)
    assert both(session, wider, c) == [S.ACTIVE, S.EXPIRING_SOON]


def test_more_assigned_than_purchased_in_latest_snapshot_is_overage(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    sub = make_subscription(session, c, total=100)
    make_snapshot(session, sub, date(2026, 3, 7), assigned=90)  # older week: within limit
    make_snapshot(session, sub, date(2026, 3, 14), assigned=101)
    assert both(session, settings, c) == [S.ACTIVE, S.LICENSE_OVERAGE]


def test_assigned_equal_to_purchased_is_not_overage(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    sub = make_subscription(session, c, total=100)
    make_snapshot(session, sub, date(2026, 3, 7), assigned=120)  # superseded by the newest week
    make_snapshot(session, sub, date(2026, 3, 14), assigned=100)
    assert both(session, settings, c) == [S.ACTIVE]


def test_snapshot_after_as_of_is_ignored(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    sub = make_subscription(session, c, total=10)
    make_snapshot(session, sub, date(2026, 3, 21), assigned=50)
    assert both(session, settings, c) == [S.ACTIVE]


def test_sign_in_exactly_threshold_days_ago_is_recent(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=datetime(2026, 2, 12, 23, 0, tzinfo=timezone.utc))
    make_subscription(session, c)
    assert both(session, settings, c) == [S.ACTIVE]  # 2026-02-12 is 30 days before 2026-03-14


def test_sign_in_one_day_past_threshold_is_no_recent_activity(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=datetime(2026, 2, 11, 8, 0, tzinfo=timezone.utc))
    make_subscription(session, c)
    assert both(session, settings, c) == [S.ACTIVE, S.NO_RECENT_ACTIVITY]


def test_never_signed_in_is_no_recent_activity(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=None)
    make_subscription(session, c)
    assert both(session, settings, c) == [S.ACTIVE, S.NO_RECENT_ACTIVITY]


def test_pending_provisioning_is_ready_for_order_setup_and_not_active(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, provisioning_state="pending_setup")
    assert both(session, settings, c) == [S.READY_FOR_ORDER_SETUP]


def test_pending_subscription_starting_later_is_ready_not_expired(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, start=date(2026, 4, 1), end=date(2027, 4, 1),
                      provisioning_state="pending_setup")
    assert both(session, settings, c) == [S.READY_FOR_ORDER_SETUP]


def test_unpaid_subscription_is_suspended_not_active(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, payment_state="unpaid")
    assert both(session, settings, c) == [S.SUSPENDED]


def test_everything_ended_is_expired(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, start=date(2025, 3, 13), end=date(2026, 3, 13))  # ended yesterday
    make_subscription(session, c, is_trial=True, start=date(2026, 1, 1), end=date(2026, 2, 1))
    assert both(session, settings, c) == [S.EXPIRED]


def test_cancelled_subscription_is_expired(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    make_subscription(session, c, cancelled_on=date(2026, 3, 14))
    assert both(session, settings, c) == [S.EXPIRED]


def test_customer_without_subscriptions_is_expired(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=RECENT)
    assert both(session, settings, c) == [S.EXPIRED]


def test_several_statuses_at_once(session, settings, partner):
    c = make_customer(session, partner, last_admin_sign_in=None)
    paid = make_subscription(session, c, product="calling", total=50, end=date(2026, 3, 30))
    make_snapshot(session, paid, date(2026, 3, 14), assigned=55)
    make_subscription(session, c, is_trial=True, start=date(2026, 3, 1), end=date(2026, 6, 1))
    make_subscription(session, c, product="meetings", payment_state="unpaid")
    make_subscription(session, c, product="webinars", provisioning_state="pending_setup")
    assert both(session, settings, c) == [
        S.TRIAL, S.ACTIVE, S.EXPIRING_SOON, S.LICENSE_OVERAGE, S.NO_RECENT_ACTIVITY,
        S.READY_FOR_ORDER_SETUP, S.SUSPENDED,
    ]


def test_partner_wide_statuses_are_scoped_and_counted(session, settings, partner):
    other = make_partner(session, "Other")
    a = make_customer(session, partner, "A", last_admin_sign_in=RECENT)
    make_subscription(session, a)
    b = make_customer(session, partner, "B", last_admin_sign_in=None)
    x = make_customer(session, other, "X", last_admin_sign_in=RECENT)
    make_subscription(session, x)
    found = customer_statuses(session=session, partner_id=partner.id, as_of=AS_OF, settings=settings)
    assert found == {a.id: [S.ACTIVE], b.id: [S.NO_RECENT_ACTIVITY, S.EXPIRED]}
    only_b = customer_statuses(session=session, partner_id=partner.id, as_of=AS_OF, settings=settings,
                               customer_ids=[b.id])
    assert only_b == {b.id: [S.NO_RECENT_ACTIVITY, S.EXPIRED]}
    counts = count_by_status(found)
    assert counts[S.ACTIVE] == 1 and counts[S.EXPIRED] == 1 and counts[S.TRIAL] == 0
    assert len(counts) == 8
