"""Readiness: database reachable and migrations at head, on both backends."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from partnerhub_core import health, migrate
from partnerhub_core.db import make_engine

HEAD = migrate.head_revision("sqlite://")


@pytest.fixture
def migrated_url(backend, tmp_path, request):
    """A database migrated to head with `partnerhub db upgrade`'s code path."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'ready.db'}"
        migrate.upgrade(url)
        yield url
        return
    from tests.conftest import PG_ADMIN_URL, _pg_reachable

    if _pg_reachable():
        pytest.skip("PostgreSQL not reachable")
    name = f"phhealth_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def test_ready_when_reachable_and_at_head(migrated_url):
    engine = make_engine(migrated_url)
    try:
        assert health.readiness(engine) == health.Readiness(True, "ready", HEAD, HEAD)
    finally:
        engine.dispose()


def test_not_ready_when_a_migration_is_pending(migrated_url):
    engine = make_engine(migrated_url)
    try:
        with engine.begin() as conn:  # as if the code had moved on past this database
            conn.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
        result = health.readiness(engine)
    finally:
        engine.dispose()
    assert not result.ok
    assert result.reason == f"migration pending: database at 0000_older, code at {HEAD}: run `partnerhub db upgrade`"


def test_not_ready_without_any_schema(engine):
    # The fixture's engine has tables from create_all but never ran a migration.
    result = health.readiness(engine)
    assert result == health.Readiness(False, "database has no schema: run `partnerhub db upgrade`", None, HEAD)


@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent-folder/partnerhub/down.db",
    "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2",
])
def test_not_ready_when_the_database_is_down_and_no_details_leak(url):
    engine = make_engine(url)
    try:
        result = health.readiness(engine)
    finally:
        engine.dispose()
    assert result == health.Readiness(False, "database unreachable", None, HEAD)
