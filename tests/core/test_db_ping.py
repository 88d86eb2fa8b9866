"""PostgreSQL connections are pinged on checkout only after they were idle
(partnerhub_core.db.ping_when_idle): no extra round trip per transaction in a busy answer
process, and a connection the server dropped while idle is replaced before it is used."""
from __future__ import annotations

import time
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from partnerhub_core import db
from partnerhub_core.db import make_engine


def _counting_pings(monkeypatch, engine) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def ping(dbapi_conn):
        pings.append(1)
        return real(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    return pings


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_in_use_is_not_pinged_before_each_transaction(pg_database_url, monkeypatch):
    engine = make_engine(pg_database_url)
    try:
        pings = _counting_pings(monkeypatch, engine)
        pids = {_backend_pid(engine) for _ in range(5)}
        assert len(pids) == 1 and pings == []  # one pooled connection, reused without a ping
    finally:
        engine.dispose()


@contextmanager
def _server_ended_its_connection(url, monkeypatch):
    """An engine whose one pooled connection the server has just ended (as a restart or an
    idle-connection timeout would): (engine, pings so far, the ended backend's pid)."""
    engine = make_engine(url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        pings = _counting_pings(monkeypatch, engine)
        first = _backend_pid(engine)
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        yield engine, pings, first
    finally:
        admin.dispose()
        engine.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(pg_database_url, monkeypatch):
    with _server_ended_its_connection(pg_database_url, monkeypatch) as (engine, pings, first):
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # it has been idle "long enough"
        second = _backend_pid(engine)  # no error: the ping found it dead, the pool reconnected
        assert second != first and len(pings) == 1


def test_a_connection_the_server_closed_a_moment_ago_is_replaced_without_waiting(pg_database_url, monkeypatch):
    # A server restart seconds after an answer: the idle socket holds the server's goodbye,
    # so the connection is pinged (and replaced) although it was idle for less than the limit.
    with _server_ended_its_connection(pg_database_url, monkeypatch) as (engine, pings, first):
        time.sleep(0.2)  # the terminated backend's message reaches the socket
        second = _backend_pid(engine)
        assert second != first and len(pings) == 1
        assert _backend_pid(engine) == second and len(pings) == 1  # a live idle socket: no ping
