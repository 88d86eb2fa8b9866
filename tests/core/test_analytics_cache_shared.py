"""The analytics cache's database level (analytics/shared_cache.py), shared by processes.

Same hand-made world as test_analytics_cache.py: Acme and Beta, one Meetings line of 100
licenses each ending 2026-06-20 (expiring as of 2026-06-01); only Acme is tagged VIP at first.
Every process below counts what it computed itself and what it read from the database.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from partnerhub_core.analytics import cache, shared_cache, warm
from partnerhub_core.analytics.subscriptions import SECTIONS, headline_kpis
from partnerhub_core.models import Partner
from tests.core.test_analytics_cache import AS_OF, _world

ROOT = Path(__file__).resolve().parents[2]

_PROCESS = textwrap.dedent("""
    import json, sys
    from datetime import date, datetime, timezone
    from sqlmodel import Session
    from partnerhub_core.auth import Actor
    from partnerhub_core.db import make_engine, session_scope
    from partnerhub_core.analytics import cache
    from partnerhub_core.analytics.subscriptions import headline_kpis, overview
    from partnerhub_core.models import Role
    from partnerhub_core.services import tags
    from partnerhub_core.settings import Settings

    engine = make_engine(sys.argv[1])
    settings = Settings(database_url=sys.argv[1], webex_token=None, as_of=date(2026, 6, 1), log_level="ERROR",
                        answer_processes=1)  # operational settings (those two) are not part of the key
    pid = int(sys.argv[2])
    for line in sys.stdin:
        command = line.split()
        if command[0] == "tag":
            with session_scope(engine) as s:
                tags.add_tag(session=s, actor=Actor(partner_id=pid, role=Role.FULL_ADMIN, label="test"),
                             customer_id=int(command[1]), tag="VIP",
                             now=datetime(2026, 6, 1, 9, tzinfo=timezone.utc))
            print("{}", flush=True)
            continue
        with Session(engine) as s:
            if command[0] == "warmed":  # what the worker's warm-up computes: the whole partner
                head, sections = overview(session=s, partner_id=pid, as_of=date(2026, 6, 1), settings=settings,
                                          product="meetings")
                kpis = head
            else:
                kpis = headline_kpis(session=s, partner_id=pid, as_of=date(2026, 6, 1), settings=settings,
                                     tag="VIP")
                _head, sections = overview(session=s, partner_id=pid, as_of=date(2026, 6, 1), settings=settings,
                                           tag="VIP")
        print(json.dumps({"customers": kpis.kpi("total_customers").value,
                          "expiring": [r["customer"] for r in sections["expiring"].rows()],
                          **cache.shared_stats()}), flush=True)
""")


class Child:
    """A process of its own (a web or answer process) asked over stdin."""

    def __init__(self, db_url: str, pid: int):
        self.proc = subprocess.Popen([sys.executable, "-c", _PROCESS, db_url, str(pid)], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def __call__(self, command: str = "ask") -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _version(engine, pid: int) -> int:
    with Session(engine) as s:
        return int(s.get(Partner, pid).data_version)


def test_b_answers_from_what_a_computed_and_a_write_in_b_makes_a_recompute(engine, db_url):
    pid, _acme, beta = _world(engine)
    a, b = Child(db_url, pid), Child(db_url, pid)
    try:
        # A computes the KPIs and the overview (tag VIP) and stores both
        assert a() == {"customers": 1, "expiring": ["Acme"], "shared_hits": 0, "computed": 2, "stored": 2}
        # B computes nothing: both come from the database
        assert b() == {"customers": 1, "expiring": ["Acme"], "shared_hits": 2, "computed": 0, "stored": 0}
        b("tag " + str(beta))  # B tags Beta: a new data version
        # A's next answer shows the change, computed afresh (its memory and the rows are of the old version)
        assert a() == {"customers": 2, "expiring": ["Acme", "Beta"], "shared_hits": 0, "computed": 4, "stored": 4}
        assert b() == {"customers": 2, "expiring": ["Acme", "Beta"], "shared_hits": 4, "computed": 0, "stored": 0}
    finally:
        a.close()
        b.close()
    # the old version's two rows went when A stored the new ones
    with Session(engine) as s:
        assert shared_cache.rows(s, pid) == [("kpis", _version(engine, pid)), ("overview", _version(engine, pid))]


def test_the_workers_warm_up_serves_another_process_first_answer(engine, db_url, settings):
    from bot import worker

    pid, _acme, _beta = _world(engine)
    worker._warmed.clear()
    worker.run_job("warm", settings.model_copy(update={"as_of": AS_OF}), engine)
    # 1 scope (no digest) x 2 products x (overview + trend), computed by the worker and stored
    assert cache.shared_stats() == {"shared_hits": 0, "computed": 4, "stored": 4}
    web = Child(db_url, pid)
    try:
        assert web("warmed") == {"customers": 2, "expiring": ["Acme", "Beta"], "shared_hits": 1, "computed": 0,
                                 "stored": 0}
    finally:
        web.close()


def test_a_row_of_another_data_version_is_never_read_and_is_pruned(engine, settings):
    pid, _acme, _beta = _world(engine)
    with Session(engine) as s:
        assert headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings).kpi("expiring").value == 2
        old = _version(engine, pid)
        assert shared_cache.rows(s, pid) == [("kpis", old)]
        s.get(Partner, pid).default_region = "EU"  # a write: the version changes
        s.commit()
        cache.clear()
        assert shared_cache.prune(s) == 1
        assert shared_cache.rows(s, pid) == []
        headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings)
        assert cache.shared_stats() == {"shared_hits": 0, "computed": 1, "stored": 1}
        # the warm-up prunes too: after a write, only the new version's rows are left
        s.get(Partner, pid).default_region = "US"
        s.commit()
        warm.warm_partner(session=s, partner_id=pid, as_of=AS_OF, settings=settings)
        new = _version(engine, pid)
        assert new != old and {v for _k, v in shared_cache.rows(s, pid)} == {new}
        assert len(shared_cache.rows(s, pid)) == 4


def test_the_table_is_bounded_per_partner_and_per_payload(engine, settings, monkeypatch):
    pid, _acme, _beta = _world(engine)
    monkeypatch.setattr(shared_cache, "MAX_ROWS_PER_PARTNER", 2)
    with Session(engine) as s:
        for key in ("recent", "expiring", "overage"):
            SECTIONS[key](session=s, partner_id=pid, as_of=AS_OF, settings=settings)
        kinds = [k for k, _v in shared_cache.rows(s, pid)]
        assert len(kinds) == 2 and "section_overage" in kinds, kinds
        monkeypatch.setattr(shared_cache, "MAX_PAYLOAD_BYTES", 10)
        expiring = headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings).kpi("expiring").value
    assert expiring == 2  # computed and answered, not stored
    assert cache.shared_stats() == {"shared_hits": 0, "computed": 4, "stored": 3}


def test_an_unreadable_row_or_other_code_is_computed_again(engine, settings, monkeypatch):
    pid, _acme, _beta = _world(engine)
    with Session(engine) as s:
        headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE analyticscache SET payload = :p"), {"p": b"not a pickle"})
    cache.clear()
    with Session(engine) as s:
        assert headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings).kpi("expiring").value == 2
        assert cache.shared_stats() == {"shared_hits": 0, "computed": 1, "stored": 1}  # the bad row replaced
        cache.clear()
        monkeypatch.setitem(shared_cache._state, "code", "another release")
        headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings)
        assert cache.shared_stats() == {"shared_hits": 0, "computed": 1, "stored": 1}
        monkeypatch.setitem(shared_cache._state, "code", None)
        cache.clear()
        with cache.local_only():
            headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings)
        assert cache.shared_stats() == {"shared_hits": 0, "computed": 1, "stored": 0}


def test_a_store_does_not_wait_for_a_long_sqlite_writer(engine, settings, backend):
    import time

    if backend != "sqlite":
        pytest.skip("PostgreSQL writers of other rows do not block the insert")
    pid, _acme, _beta = _world(engine)
    writer = engine.raw_connection()
    try:
        writer.execute("BEGIN IMMEDIATE")  # a sync holding the write lock
        started = time.perf_counter()
        with Session(engine) as s:
            expiring = headline_kpis(session=s, partner_id=pid, as_of=AS_OF, settings=settings).kpi("expiring").value
        waited = time.perf_counter() - started
    finally:
        writer.rollback()
        writer.close()
    assert expiring == 2 and cache.shared_stats() == {"shared_hits": 0, "computed": 1, "stored": 0}
    assert waited < 10  # not the engine's 30 s busy timeout
    with engine.connect() as conn:  # the pooled connection got its own timeout back
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
