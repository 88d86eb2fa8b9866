"""``partnerhub worker`` — the Procfile's worker process (bot/worker.py)."""
from __future__ import annotations

import typer

from bot.cli.common import ready_engine, settings
from bot.cli.options import DB_OPT


def worker(database_url: str = DB_OPT) -> None:
    """Run the scheduler: digests, alerts, scheduled reports, the Sunday data refresh."""
    from bot.worker import run_worker
    from partnerhub_core import secrets
    from partnerhub_core.logging import configure_logging

    cfg = settings(database_url)
    # A database that is missing, down or not migrated stops the worker here, in one
    # line, before it writes its heartbeat (and before a SQLite file could be created).
    engine = ready_engine(cfg.database_url)
    configure_logging(cfg)
    secrets.configure(cfg)
    run_worker(cfg, engine)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
