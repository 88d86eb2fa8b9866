"""Shared fixtures.

Database tests run on both backends: ``db_url`` is parametrized over SQLite (a fresh file
per test) and PostgreSQL (one throwaway database per test session, emptied between tests).
PostgreSQL comes from PARTNERHUB_TEST_POSTGRES_URL (default: the local server). Locally,
when it cannot be reached, the PostgreSQL variants skip; in CI (CI=true) the whole run
fails instead, so a green CI always means both backends ran.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from partnerhub_core.db import make_engine
from partnerhub_core.settings import Settings

PG_ADMIN_URL = os.environ.get(
    "PARTNERHUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_reachable() -> str | None:
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_database_url():
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    problem = _pg_reachable()
    if problem:
        if IN_CI:
            pytest.exit(f"CI=true but PostgreSQL is not reachable at {PG_ADMIN_URL}: {problem}", 3)
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"phtest_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def _pg_engine(pg_database_url):
    engine = make_engine(pg_database_url)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _truncate_pg(engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    extra = [r[0] for r in _extra_tables(engine)]
    names = tables + "".join(f', "{n}"' for n in extra)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _extra_tables(engine):
    # Tables outside SQLModel's metadata (e.g. alembic_version, created by some tests).
    known = {t.name for t in SQLModel.metadata.sorted_tables}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()
    return [r for r in rows if r[0] not in known and r[0] != "alembic_version"]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def engine(backend, request, tmp_path):
    """An engine with every table created and empty, on the parametrized backend."""
    if backend == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        SQLModel.metadata.create_all(eng)
        yield eng
        eng.dispose()
    else:
        pg = request.getfixturevalue("_pg_engine")
        _truncate_pg(pg)
        yield pg


@pytest.fixture
def db_url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.rollback()


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    # No Webex token from the environment: tests that want Webex point at the local stand-in.
    return Settings(database_url=db_url, demo_output_dir=tmp_path / "out", webex_token=None)
