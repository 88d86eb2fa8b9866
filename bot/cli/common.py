"""What every CLI command shares: settings, the engine, JSON output."""
from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:  # pydantic and SQLAlchemy load when a command runs, not for its help
    from sqlalchemy.engine import Engine

    from partnerhub_core.settings import Settings


def settings(database_url: str | None = None) -> Settings:
    """The process's settings (environment and .env); ``--database-url`` wins when given.
    A bad value stops here with one line naming the variable."""
    from partnerhub_core.settings import load_settings

    if database_url:
        return load_settings(database_url=database_url)
    return load_settings()


def read_settings(database_url: str | None = None) -> Settings:
    """Settings for a command that reads what is there. With no database configured
    (no --database-url, PARTNERHUB_DATABASE_URL, DATABASE_URL or .env) and no default
    ``partnerhub.db`` yet, it reads the demo's database when the demo built one: after
    ``make demo`` the README's read commands work as printed."""
    cfg = settings(database_url)
    if database_url or "database_url" in cfg.model_fields_set:
        return cfg
    from partnerhub_core.db import sqlite_file

    default, demo = sqlite_file(cfg.database_url), sqlite_file(cfg.demo_database_url)
    if default is not None and not default.exists() and demo is not None and demo.exists():
        cfg.database_url = cfg.demo_database_url
    return cfg


@lru_cache(maxsize=4)
def engine_for(url: str, create: bool = False) -> Engine:
    """The engine of ``url``; a missing SQLite file is refused unless ``create``."""
    from partnerhub_core.db import open_engine

    return open_engine(url, create=create)


def ready_engine(url: str, *, at_head: bool = True) -> Engine:
    """The engine of a database that answers and is migrated (else one clear error)."""
    from partnerhub_core.db import ensure_ready

    engine = engine_for(url)
    ensure_ready(engine, at_head=at_head)
    return engine


def _default(value: Any):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if is_dataclass(value):
        return asdict(value)
    if hasattr(value, "to_dict"):
        return value.to_dict(orient="records") if hasattr(value, "columns") else value.to_dict()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def echo_done(json_out: bool, text: str, **data: Any) -> None:
    """What a command that changes something did: ``text`` for people, or ``data`` as
    JSON with ``--json`` (scripts read the fields, not the sentence)."""
    if json_out:
        echo_json(data)
    else:
        typer.echo(text)
