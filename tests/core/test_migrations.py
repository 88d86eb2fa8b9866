"""The migrated schema equals the models: no autogenerate diff, on both backends."""
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from partnerhub_core import migrate


def _fresh_url(backend, tmp_path, request):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    url = request.getfixturevalue("pg_database_url")
    eng = create_engine(url)
    with eng.begin() as conn:  # start from an empty public schema
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()
    return url


def test_upgrade_to_head_matches_models(backend, tmp_path, request):
    url = _fresh_url(backend, tmp_path, request)
    try:
        migrate.upgrade(url)
        eng = create_engine(url)
        with eng.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, SQLModel.metadata)
            assert migrate.current_revision(eng) == migrate.head_revision(url)
        assert diff == [], f"models and migrations disagree: {diff}"
        assert set(SQLModel.metadata.tables) <= set(inspect(eng).get_table_names())
        if backend == "postgresql":  # room for in-place (HOT) updates of the rollups ingest adds to
            with eng.connect() as conn:
                options = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'callrollup'")).scalar()
            assert options == ["fillfactor=70"]
        eng.dispose()
    finally:
        if backend == "postgresql":  # give the shared test database its tables back
            eng = create_engine(url)
            with eng.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            SQLModel.metadata.create_all(eng)
            eng.dispose()
