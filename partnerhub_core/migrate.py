"""Run Alembic from code: ``partnerhub db upgrade``, readiness checks, tests.

Alembic itself loads only to migrate or to read the script directory
(``head_revision``); the checks every command makes before it starts
(``current_revision``, ``script_head``) read the version table and the revision files
directly, which keeps Alembic's half-second import out of every command.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from partnerhub_core.paths import MIGRATIONS_DIR

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Engine

_REVISION = re.compile(r"^revision(?:\s*:\s*[\w\[\], |]+)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:\s*:\s*[\w\[\], |]+)?\s*=\s*(.+)$", re.MULTILINE)


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def head_revision(database_url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


@lru_cache(maxsize=1)
def script_head() -> str | None:
    """The newest revision of the migration files (the one no other revision follows),
    read from the files themselves; tests/core/test_migrations.py compares it with
    Alembic's ``head_revision``."""
    revisions, followed = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(text)
        if down is not None:
            followed.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = revisions - followed
    return next(iter(heads)) if len(heads) == 1 else None


def current_revision(engine: Engine) -> str | None:
    """The database's revision (None: no version table, or an empty one)."""
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def is_at_head(engine: Engine) -> bool:
    return current_revision(engine) == script_head()
