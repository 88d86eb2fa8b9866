"""The demo partner: deterministic, idempotent, and rich enough to show every feature."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from partnerhub_core.analytics import subscriptions as subs
from partnerhub_core.errors import BadInput
from partnerhub_core.models import (
    Customer,
    CustomerAdmin,
    CustomerStatus,
    CustomerTag,
    Device,
    LicenseSnapshot,
    Location,
    OrderLine,
    Partner,
    PartnerAdmin,
    PhoneNumber,
    Role,
    Subscription,
)
from partnerhub_core.sources.demo import build_demo_partner
from partnerhub_core.statuses import count_by_status, customer_statuses, statuses_of

AS_OF = date(2026, 11, 25)


def counts(session, pid):
    out = {}
    for model in (Customer, Subscription, LicenseSnapshot, OrderLine, PartnerAdmin, CustomerAdmin, CustomerTag,
                  Location, Device, PhoneNumber):
        out[model.__name__] = session.execute(
            select(func.count()).select_from(model).where(model.partner_id == pid)).scalar_one()
    return out


def fingerprint(session, pid):
    return sorted(session.execute(
        select(Customer.name, Customer.org_id, Subscription.subscription_id, Subscription.product,
               Subscription.total_licenses, Subscription.end_date)
        .join(Subscription, Subscription.customer_id == Customer.id).where(Customer.partner_id == pid)).all())


def test_loading_twice_rebuilds_without_duplicates(session, settings):
    first = build_demo_partner(session, customers=40, as_of=AS_OF)
    before, print_before = counts(session, first.id), fingerprint(session, first.id)
    second = build_demo_partner(session, customers=40, as_of=AS_OF)
    assert session.execute(select(func.count()).select_from(Partner)).scalar_one() == 1
    assert counts(session, second.id) == before
    assert fingerprint(session, second.id) == print_before  # same seed: the same partner
    assert before["Customer"] == 40


def test_another_seed_gives_another_partner(session, settings):
    a = fingerprint(session, build_demo_partner(session, customers=30, as_of=AS_OF, seed=1).id)
    b = fingerprint(session, build_demo_partner(session, customers=30, as_of=AS_OF, seed=2).id)
    assert a != b


def test_even_a_tiny_demo_shows_every_status_and_section(session, settings):
    p = build_demo_partner(session, customers=12, as_of=AS_OF)
    found = customer_statuses(session=session, partner_id=p.id, as_of=AS_OF, settings=settings)
    assert all(n > 0 for n in count_by_status(found).values()), count_by_status(found)
    for product in ("meetings", "calling"):
        _, sections = subs.overview(session=session, partner_id=p.id, as_of=AS_OF, settings=settings,
                                    product=product)
        assert {k: len(s.table) > 0 for k, s in sections.items()} == dict.fromkeys(subs.SECTIONS, True), product


def test_demo_data_covers_the_product(session, settings):
    p = build_demo_partner(session, customers=60, as_of=AS_OF)
    pid = p.id
    regions = set(session.execute(select(Customer.region).where(Customer.partner_id == pid)).scalars())
    assert regions == {"US", "CA", "EU", "UAE"}
    products: dict[int, set[str]] = {}
    for cid, product in session.execute(select(Subscription.customer_id, Subscription.product).where(
            Subscription.partner_id == pid)):
        products.setdefault(cid, set()).add(product)
    shapes = {frozenset(v & {"meetings", "calling", "messaging"}) for v in products.values()}
    assert {frozenset({"meetings"}), frozenset({"calling"}), frozenset({"messaging"}),
            frozenset({"meetings", "calling"})} <= shapes
    flags = set(session.execute(select(Subscription.is_trial, Subscription.auto_renew).where(
        Subscription.partner_id == pid)).all())
    assert {(True, False), (False, True), (False, False)} <= flags
    weeks = session.execute(select(func.count(func.distinct(LicenseSnapshot.week_ending))).where(
        LicenseSnapshot.partner_id == pid)).scalar_one()
    assert weeks == 52
    newest = session.execute(select(func.max(LicenseSnapshot.week_ending)).where(
        LicenseSnapshot.partner_id == pid)).scalar_one()
    assert newest == date(2026, 11, 21)  # the last Saturday before as_of (a Wednesday)
    admins = session.execute(select(PartnerAdmin.slack_user_id, PartnerAdmin.role).where(
        PartnerAdmin.partner_id == pid).order_by(PartnerAdmin.slack_user_id)).all()
    assert [a[0] for a in admins] == [f"U0DEMO0{i}" for i in range(1, 7)]
    assert {a[1] for a in admins} == {r.value for r in Role}
    assert counts(session, pid)["CustomerAdmin"] > 0 and counts(session, pid)["CustomerTag"] > 0
    newcomers = session.execute(select(func.count()).select_from(Customer).where(
        Customer.partner_id == pid, Customer.added_on >= date(2026, 8, 27))).scalar_one()
    assert newcomers > 0


def test_inventory_looks_real(session, settings):
    p = build_demo_partner(session, customers=40, as_of=AS_OF)
    devices = session.execute(select(Device).where(Device.partner_id == p.id)).scalars().all()
    assert devices and all(re.fullmatch(r"[0-9A-F]{12}", d.mac) for d in devices)
    assert all(d.firmware for d in devices)
    phones = [d for d in devices if d.phone_number]
    assert phones and all(re.fullmatch(r"\+[1-9]\d{7,14}", d.phone_number) for d in phones)
    numbers = session.execute(select(PhoneNumber).where(PhoneNumber.partner_id == p.id)).scalars().all()
    assert {"People", "Auto Attendant", "Virtual Line", ""} <= {n.user_type for n in numbers}
    assert {"Primary", "Secondary", ""} <= {n.number_type for n in numbers}
    for n in numbers:
        if n.phone_number:
            assert re.fullmatch(r"\+[1-9]\d{7,14}", n.phone_number) and n.extension == "" and n.pstn_connection
        else:  # a bare extension
            assert n.extension.isdigit() and n.number_type == "" and n.pstn_connection == ""
        if n.user_type == "":
            assert n.number_type == ""
    people = [n for n in numbers if n.user_type == "People"]
    assert all("@" in n.user_id and n.user_uuid for n in people)
    locations = session.execute(select(Location.country).where(Location.partner_id == p.id)).scalars().all()
    assert locations and all(len(c) == 2 for c in locations)


def test_pure_and_set_based_statuses_agree_on_the_demo(session, settings):
    p = build_demo_partner(session, customers=80, as_of=AS_OF)
    bulk = customer_statuses(session=session, partner_id=p.id, as_of=AS_OF, settings=settings)
    customers = session.execute(select(Customer).where(Customer.partner_id == p.id)).scalars().all()
    lines = session.execute(select(Subscription).where(Subscription.partner_id == p.id)).scalars().all()
    snaps = session.execute(select(LicenseSnapshot).where(LicenseSnapshot.partner_id == p.id,
                                                          LicenseSnapshot.week_ending >= date(2026, 10, 1))).scalars().all()
    by_customer: dict[int, list] = {}
    for line in lines:
        by_customer.setdefault(line.customer_id, []).append(line)
    for c in customers:
        mine = by_customer.get(c.id, [])
        pks = {s.id for s in mine}
        pure = statuses_of(c, mine, [s for s in snaps if s.subscription_pk in pks], as_of=AS_OF, settings=settings)
        assert pure == bulk[c.id], c.name
    assert sum(CustomerStatus.EXPIRED in v for v in bulk.values()) > 0


@pytest.mark.parametrize("bad", [0, -5, 100_001])
def test_customer_count_is_validated(session, settings, bad):
    with pytest.raises(BadInput):
        build_demo_partner(session, customers=bad, as_of=AS_OF)
