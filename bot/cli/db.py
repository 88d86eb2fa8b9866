"""``partnerhub db upgrade|current`` — Alembic migrations (the Procfile's release step)."""
from __future__ import annotations

import typer

from bot.cli.common import echo_json, engine_for, settings
from bot.cli.options import DB_OPT, JSON_OPT

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("head", help="Target revision.", metavar="REVISION"),
    database_url: str = DB_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Migrate the database to the newest schema (or REVISION); creates a SQLite file."""
    from partnerhub_core import migrate
    from partnerhub_core.db import connection_problem, mask_url
    from partnerhub_core.errors import DatabaseUnavailable
    from partnerhub_core.i18n import N_

    url = settings(database_url).database_url
    engine = engine_for(url, create=True)
    try:
        migrate.upgrade(url, revision)
    except Exception as exc:  # the driver's error, whatever Alembic wraps it in
        from sqlalchemy.exc import DBAPIError

        if not isinstance(exc, DBAPIError):
            raise
        raise DatabaseUnavailable(N_("cannot connect to {url}: {reason}. Check that the database server is running "
                                     "and the URL is right."), url=mask_url(url),
                                  reason=connection_problem(exc)) from None
    if revision == "head":
        from partnerhub_core import search_keys

        search_keys.refresh(engine)  # keys stored before search_key folded Ł, Ø, Æ… (see search_keys)
    current = migrate.current_revision(engine)
    if as_json:
        echo_json({"database": mask_url(url), "revision": current})
        return
    typer.echo(f"database {mask_url(url)} at {current}")


@db_app.command("current")
def current(database_url: str = DB_OPT, as_json: bool = JSON_OPT) -> None:
    """Print the database's revision and whether it is at head (exit 1 when not)."""
    from partnerhub_core import migrate
    from partnerhub_core.db import ensure_ready, mask_url

    url = settings(database_url).database_url
    engine = engine_for(url)
    rev = ensure_ready(engine, at_head=False)
    head = migrate.script_head()
    if as_json:
        echo_json({"database": mask_url(url), "revision": rev, "head": head, "at_head": rev == head})
    else:
        typer.echo(f"current {rev or '-'}; head {head}{'' if rev == head else ' (upgrade pending)'}")
    if rev != head:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
