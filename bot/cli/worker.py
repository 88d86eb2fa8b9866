"""``partnerhub worker`` — the Procfile's worker process (bot/worker.py)."""
from __future__ import annotations

import typer

from bot.cli.common import engine_for, settings


def worker() -> None:
    """Run the scheduler: digests, alerts, scheduled reports, the Sunday data refresh."""
    from bot.worker import run_worker
    from partnerhub_core import secrets
    from partnerhub_core.logging import configure_logging

    cfg = settings()
    configure_logging(cfg)
    secrets.configure(cfg)
    run_worker(cfg, engine_for(cfg.database_url))


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
