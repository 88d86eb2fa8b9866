"""Alembic environment: reads the same settings as the app (PARTNERHUB_DATABASE_URL)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from partnerhub_core.db import make_engine, metadata
from partnerhub_core.settings import Settings

config = context.config
target_metadata = metadata()


def _render_item(type_, obj, autogen_context):
    # Our own column types (EncryptedString) need their import in the revision file.
    if type_ == "type" and type(obj).__module__.startswith("partnerhub_core."):
        module = type(obj).__module__
        autogen_context.imports.add(f"import {module}")
        return f"{module}.{obj!r}"
    return False


def _url() -> str:
    return config.attributes.get("database_url") or Settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, compare_type=True, render_item=_render_item)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=True, compare_type=True, render_item=_render_item)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
