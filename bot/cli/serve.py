"""``partnerhub serve`` — the Slack app over HTTP (the Procfile's web process) or Socket Mode."""
from __future__ import annotations

import os

import typer

from bot.cli.common import ready_engine, settings
from bot.cli.options import DB_OPT


def serve(
    host: str = typer.Option("0.0.0.0", help="Interface to listen on.", metavar="HOST"),
    port: int = typer.Option(None, help="Port (default: $PORT, else 3000).", show_default=False, metavar="PORT"),
    socket: bool = typer.Option(False, "--socket", help="Socket Mode (development; needs SLACK_APP_TOKEN)."),
    database_url: str = DB_OPT,
) -> None:
    """Run the Slack app: Events API, slash commands, interactivity and OAuth install."""
    from bot import server
    from partnerhub_core import secrets
    from partnerhub_core.logging import configure_logging

    cfg = settings(database_url)
    # Settings first (nothing to connect to can fix them), then the database.
    configure_logging(cfg)  # JSON lines, tokens and secrets masked, level from settings
    secrets.configure(cfg)  # production without PARTNERHUB_SECRET_KEYS stops here, one line
    # A missing, unreachable or never-migrated database stops here in one line; a
    # pending migration does not (a rolling deploy: /readyz answers 503 until it runs).
    engine = ready_engine(cfg.database_url, at_head=False)
    if socket:
        server.serve_socket(cfg, engine)
        return
    server.serve_http(cfg, engine, host=host, port=port or int(os.environ.get("PORT", "3000")))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
