"""The checks every command makes read the revision files and the version table without
Alembic; they must agree with Alembic."""
from __future__ import annotations

from partnerhub_core import migrate
from partnerhub_core.db import make_engine


def test_script_head_is_alembics_head():
    assert migrate.script_head() is not None
    assert migrate.script_head() == migrate.head_revision("sqlite://")


def test_current_revision_reads_the_version_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = make_engine(url)
    assert migrate.current_revision(engine) is None  # no version table yet
    migrate.upgrade(url)
    assert migrate.current_revision(engine) == migrate.head_revision(url)
    assert migrate.is_at_head(engine)
    engine.dispose()
