"""``partnerhub db upgrade|current`` — Alembic migrations (the Procfile's release step)."""
from __future__ import annotations

import typer

from bot.cli.common import engine_for, settings
from partnerhub_core import migrate

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database to the newest schema (or REVISION)."""
    url = settings().database_url
    migrate.upgrade(url, revision)
    typer.echo(f"database at {migrate.current_revision(engine_for(url))}")


@db_app.command("current")
def current() -> None:
    """Print the database's revision and whether it is at head."""
    url = settings().database_url
    rev = migrate.current_revision(engine_for(url))
    head = migrate.head_revision(url)
    typer.echo(f"current {rev or '-'}; head {head}{'' if rev == head else ' (upgrade pending)'}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
