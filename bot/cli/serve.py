"""``partnerhub serve`` — the Slack app over HTTP (the Procfile's web process) or Socket Mode."""
from __future__ import annotations

import os

import typer

from bot.cli.common import engine_for, settings


def serve(
    host: str = typer.Option("0.0.0.0", help="Interface to listen on."),
    port: int = typer.Option(None, help="Port (default: $PORT, else 3000).", show_default=False),
    socket: bool = typer.Option(False, "--socket", help="Socket Mode (development; needs SLACK_APP_TOKEN)."),
) -> None:
    """Run the Slack app: Events API, slash commands, interactivity and OAuth install."""
    from bot import server

    from partnerhub_core import secrets
    from partnerhub_core.logging import configure_logging

    cfg = settings()
    configure_logging(cfg)  # JSON lines, tokens and secrets masked, level from settings
    secrets.configure(cfg)  # production without PARTNERHUB_SECRET_KEYS stops here, one line
    engine = engine_for(cfg.database_url)
    if socket:
        server.serve_socket(cfg, engine)
        return
    server.serve_http(cfg, engine, host=host, port=port or int(os.environ.get("PORT", "3000")))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
