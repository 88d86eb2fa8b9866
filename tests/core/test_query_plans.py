"""The hot queries (customer lookup, filtered list, the analytics sections, calling
sections) use an index on the partner's big tables on both databases.

The queries are not written out here: they are captured while the real functions run
on a small partner, then explained — ``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN`` with
sequential scans discouraged on PostgreSQL (``enable_seqscan = off``: a table then still
shows a Seq Scan only when no index can serve the query)."""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from partnerhub_core.analytics import calling as calling_analytics
from partnerhub_core.analytics import subscriptions as subs_analytics
from partnerhub_core.auth import Actor
from partnerhub_core.customers import CustomerFilters, list_customers, lookup_customer
from partnerhub_core.errors import BadInput
from partnerhub_core.models import CallRollup, Location
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription, make_tag

AS_OF = date(2026, 11, 25)
BIG = {"customer", "subscription", "licensesnapshot", "callrollup", "device", "phonenumber", "customertag",
       "orderline", "location", "callleg"}


@pytest.fixture
def partner(session):
    p = make_partner(session)
    other = make_partner(session, "Other")
    customers = []
    for i in range(12):
        owner = p if i < 10 else other
        c = make_customer(session, owner, f"Cliente {i} São Paulo", region="EU" if i % 2 else "US",
                          org_id=f"org-{i:03d}")
        customers.append(c)
        for product in ("meetings", "calling"):
            sub = make_subscription(session, c, product=product, total=10 + i, end=AS_OF + timedelta(days=20 * i))
            for week in range(3):
                make_snapshot(session, sub, date(2026, 11, 21) - timedelta(days=7 * week), assigned=i, used_7d=i)
        session.add(Location(partner_id=owner.id, customer_id=c.id, location_id=f"loc-{i}", name=f"HQ {i}"))
        session.add(CallRollup(partner_id=owner.id, customer_id=c.id, day=date(2026, 11, 18),
                               week_ending=date(2026, 11, 21), location_id=f"loc-{i}", legs=10, calls=5))
    make_tag(session, p, "VIP", customers=customers[:3])
    session.flush()
    return p


@contextmanager
def captured(engine):
    statements: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def _sqlite_scans(conn, statement, parameters) -> list[str]:
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    full = []
    for row in rows:
        detail = row[-1]
        # "SCAN t" reads every row; "SCAN t USING (COVERING) INDEX" reads a whole index.
        m = re.match(r"SCAN (\w+)(?: AS \w+)?(?: USING (?:COVERING )?INDEX \w+)?$", detail)
        if m and m.group(1) in BIG:
            full.append(detail)
    return full


def _pg_scans(conn, statement, parameters) -> list[str]:
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    full = []

    def walk(node):
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in BIG:
            full.append(f"Seq Scan on {node['Relation Name']}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return full


def _full_scans(session, statements) -> dict[str, list[str]]:
    conn = session.connection()
    explain = _sqlite_scans if conn.dialect.name == "sqlite" else _pg_scans
    found = {}
    for statement, parameters in statements:
        scans = explain(conn, statement, parameters)
        if scans:
            found[" ".join(statement.split())[:300]] = scans
    return found


def _run(session, engine, work) -> dict[str, list[str]]:
    with captured(engine) as statements:
        work()
    assert statements, "nothing was captured"
    return _full_scans(session, statements)


def test_lookup_uses_indexes(session, engine, settings, partner):
    actor = Actor.system(partner.id, label="test")

    def work():
        lookup_customer(session=session, actor=actor, query="org-004", as_of=AS_OF, settings=settings)
        lookup_customer(session=session, actor=actor, query="cliente 7", as_of=AS_OF, settings=settings)
        with pytest.raises(BadInput):
            lookup_customer(session=session, actor=actor, query="são paulo", as_of=AS_OF, settings=settings)

    assert _run(session, engine, work) == {}


@pytest.mark.parametrize("tokens", [
    [], ["region:EU", "product:calling"], ["status:expiring_soon"], ["tag:VIP"], ["cliente"],
    ["type:paid", "managed:external_admin"],
])
def test_filtered_list_uses_indexes(session, engine, settings, partner, tokens):
    actor = Actor.system(partner.id, label="test")

    def work():
        list_customers(session=session, actor=actor, filters=CustomerFilters.parse(tokens), as_of=AS_OF,
                       settings=settings)

    assert _run(session, engine, work) == {}


def test_subscription_sections_use_indexes(session, engine, settings, partner):
    def work():
        for product in ("meetings", "calling"):
            subs_analytics.overview(session=session, partner_id=partner.id, as_of=AS_OF, settings=settings,
                                    product=product)
        subs_analytics.headline_kpis(session=session, partner_id=partner.id, as_of=AS_OF, settings=settings)
        subs_analytics.license_trend(session=session, partner_id=partner.id, as_of=AS_OF, settings=settings)

    assert _run(session, engine, work) == {}


def test_calling_sections_use_indexes(session, engine, settings, partner):
    def work():
        for fn in calling_analytics.CALLING_SECTIONS.values():
            fn(session=session, partner_id=partner.id, as_of=AS_OF, settings=settings)

    assert _run(session, engine, work) == {}


def test_the_check_sees_a_full_scan(session, partner):
    # No index has the name alone first: both databases must read the whole table.
    name = "Cliente 3 São Paulo"
    param = (name,) if session.connection().dialect.name == "sqlite" else {"n": name}
    sql = "SELECT id FROM customer WHERE name = " + ("?" if isinstance(param, tuple) else "%(n)s")
    scans = _full_scans(session, [(sql, param)])
    assert list(scans.values()) == [["SCAN customer"] if isinstance(param, tuple) else ["Seq Scan on customer"]]
