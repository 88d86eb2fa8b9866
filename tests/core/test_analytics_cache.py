"""The analytics cache and the data version (analytics/cache.py, dataversion.py).

Figures here are written out by hand: two customers, each with one Meetings line of 100
licenses ending 2026-06-20 (expiring within the 30-day window of as_of 2026-06-01); only
Acme carries the tag VIP at first.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from partnerhub_core import dataversion
from partnerhub_core.analytics import cache
from partnerhub_core.analytics.subscriptions import (SECTIONS, headline_kpis)
from partnerhub_core.models import Customer, CustomerTag, Partner, Subscription, Tag
from tests.factories import make_customer, make_partner, make_snapshot, make_subscription, make_tag

AS_OF = date(2026, 6, 1)
NOW_IMPORT = datetime(2026, 6, 1, 9, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _world(engine):
    with Session(engine, expire_on_commit=False) as s:
        partner = make_partner(s)
        acme = make_customer(s, partner, "Acme")
        beta = make_customer(s, partner, "Beta")
        for c in (acme, beta):
            sub = make_subscription(s, c, total=100, start=date(2025, 6, 20), end=date(2026, 6, 20))
            make_snapshot(s, sub, date(2026, 5, 30), assigned=40, used_7d=20)
        make_tag(s, partner, "VIP", customers=[acme])
        s.commit()
        return partner.id, acme.id, beta.id


def test_a_write_bumps_the_version_in_its_transaction_and_a_read_does_not(engine, settings):
    pid, _acme, beta = _world(engine)
    with Session(engine) as s:
        before = dataversion.current(s, pid)
        headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings)
        s.commit()
        assert dataversion.current(s, pid) == before
    with Session(engine) as s:
        tag = s.exec(select(Tag).where(Tag.partner_id == pid)).one()
        s.add(CustomerTag(customer_id=beta, tag_id=tag.id, partner_id=pid))
        s.flush()
        assert dataversion.wrote(s)
        s.rollback()
    with Session(engine) as s:
        assert dataversion.current(s, pid) == before  # rolled back with the write
        s.get(Partner, pid).default_region = "EU"  # a setting that changes rules
        s.commit()
    with Session(engine) as s:
        after = dataversion.current(s, pid)
        assert after != before


def test_core_statements_bump_the_partners_they_name(engine):
    pid, acme, _beta = _world(engine)
    with Session(engine, expire_on_commit=False) as s:
        other = make_partner(s, "Other Partner").id
        s.commit()
        versions = {p: dataversion.current(s, p) for p in (pid, other)}
        s.execute(sa.update(Subscription).where(Subscription.partner_id == pid).values(total_licenses=50))
        s.commit()
        assert dataversion.current(s, pid) != versions[pid]
        assert dataversion.current(s, other) == versions[other]
        versions[pid] = dataversion.current(s, pid)
        s.execute(sa.update(Customer).where(Customer.id == acme).values(name="Acme 2"))  # names no partner
        s.commit()
        # No partner in the statement and none written before in its transaction: every one.
        assert dataversion.current(s, pid) != versions[pid]
        assert dataversion.current(s, other) != versions[other]


_PROCESS_A = textwrap.dedent("""
    import json, sys
    from datetime import date
    from sqlmodel import Session
    from partnerhub_core.db import make_engine
    from partnerhub_core.analytics import cache
    from partnerhub_core.analytics.subscriptions import headline_kpis, overview
    from partnerhub_core.settings import Settings

    engine = make_engine(sys.argv[1])
    settings = Settings(database_url=sys.argv[1], webex_token=None)
    pid = int(sys.argv[2])
    for _line in sys.stdin:
        with Session(engine) as s:
            kpis = headline_kpis(session=s, partner_id=pid, as_of=date(2026, 6, 1), settings=settings, tag="VIP")
            _head, sections = overview(session=s, partner_id=pid, as_of=date(2026, 6, 1), settings=settings,
                                       tag="VIP")
        print(json.dumps({"customers": kpis.kpi("total_customers").value,
                          "expiring": [r["customer"] for r in sections["expiring"].rows()],
                          "hits": cache.stats()["hits"]}), flush=True)
""")

_PROCESS_B = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from partnerhub_core.auth import Actor
    from partnerhub_core.db import make_engine, session_scope
    from partnerhub_core.models import Role
    from partnerhub_core.services import tags

    engine = make_engine(sys.argv[1])
    with session_scope(engine) as s:
        actor = Actor(partner_id=int(sys.argv[2]), role=Role.FULL_ADMIN, label="test")
        tags.add_tag(session=s, actor=actor, customer_id=int(sys.argv[3]), tag="VIP",
                     now=datetime(2026, 6, 1, 9, tzinfo=timezone.utc))
""")


def test_another_process_sees_a_tag_added_by_a_second_process_at_once(engine, db_url):
    pid, _acme, beta = _world(engine)
    a = subprocess.Popen([sys.executable, "-c", _PROCESS_A, db_url, str(pid)], cwd=ROOT, text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        def ask() -> dict:
            a.stdin.write("go\n")
            a.stdin.flush()
            return json.loads(a.stdout.readline())

        assert ask() == {"customers": 1, "expiring": ["Acme"], "hits": 0}
        assert ask() == {"customers": 1, "expiring": ["Acme"], "hits": 2}  # both from A's cache
        subprocess.run([sys.executable, "-c", _PROCESS_B, db_url, str(pid), str(beta)], cwd=ROOT, check=True)
        assert ask() == {"customers": 2, "expiring": ["Acme", "Beta"], "hits": 2}  # recomputed
        assert ask() == {"customers": 2, "expiring": ["Acme", "Beta"], "hits": 4}
    finally:
        a.stdin.close()
        a.wait(timeout=60)


def test_a_caller_changing_its_answer_does_not_change_the_cached_one(engine, settings):
    pid, _acme, _beta = _world(engine)
    with Session(engine) as s:
        first = SECTIONS["expiring"](session=s, partner_id=pid, as_of=AS_OF, settings=settings)
        first.table.drop(first.table.index, inplace=True)
        first.kpis.clear()
        again = SECTIONS["expiring"](session=s, partner_id=pid, as_of=AS_OF, settings=settings)
    assert [r["customer"] for r in again.rows()] == ["Acme", "Beta"]
    assert again.kpis and cache.stats()["hits"] == 1


def test_rules_and_visible_customers_are_part_of_the_key(engine, settings):
    pid, acme, _beta = _world(engine)
    with Session(engine) as s:
        assert headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings).kpi("expiring").value == 2
        short = settings.model_copy(update={"analytics_window_days": 10})  # 2026-06-20 is 19 days away
        assert headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=short).kpi("expiring").value == 0
        assert headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings,
                             customer_ids=iter([acme])).kpi("expiring").value == 1
        assert headline_kpis(session=s, partner_id=pid, as_of=date(2026, 7, 1),
                             settings=settings).kpi("expiring").value == 0
    assert cache.stats() == {"entries": 4, "hits": 0, "misses": 4}
    with Session(engine) as s:  # where to connect and how processes run is no rule: same entry
        ops = settings.model_copy(update={"log_level": "ERROR", "answer_processes": 7, "worker_lease_seconds": 5,
                                          "database_url": settings.database_url + "?x=1"})
        assert headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=ops).kpi("expiring").value == 2
    assert cache.stats() == {"entries": 4, "hits": 1, "misses": 4}


def test_an_import_writing_through_the_raw_connection_changes_the_version(engine, settings):
    import io

    from partnerhub_core import db
    from partnerhub_core.auth import Actor
    from partnerhub_core.models import Role
    from partnerhub_core.sources.subscription_import import import_subscriptions

    pid, _acme, _beta = _world(engine)
    head = "customer_org_id,customer_name,subscription_id,product,licenses,start_date,end_date,status\n"

    def run(licenses: int) -> tuple[int, dict]:
        with db.session_scope(engine) as s:
            import_subscriptions(session=s, actor=Actor(partner_id=pid, role=Role.FULL_ADMIN, label="cli"),
                                 source=io.BytesIO(f"{head}org-z,Zeta,SUB-Z,meetings,{licenses},2025-06-20,"
                                                   "2026-06-20,active\n".encode()), now=NOW_IMPORT)
        with Session(engine) as s:
            version = dataversion.current(s, pid)
            section = SECTIONS["expiring"](session=s, partner_id=pid, as_of=AS_OF, settings=settings)
            return version, {r["customer"]: r["total_licenses"] for r in section.rows()}

    first, rows = run(40)
    assert rows == {"Acme": 100, "Beta": 100, "Zeta": 40}
    second, rows = run(60)  # only the line's licenses change: an upsert of existing rows
    assert second != first and rows == {"Acme": 100, "Beta": 100, "Zeta": 60}

