"""``partnerhub`` — the command line. Each command group lives in its own module and
exposes ``register(app)``; this module only wires them and turns the core's typed
errors into one line on stderr with a non-zero exit (never a traceback)."""
from __future__ import annotations

import sys

import typer

from partnerhub_core.errors import BadInput, NotAllowed, NotFound, PartnerHubError

app = typer.Typer(
    name="partnerhub",
    help="Webex Partner Hub, in Slack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command groups, in the order `--help` lists them. Add a module here to add a group.
from bot.cli import db as _db  # noqa: E402
from bot.cli import jobs as _jobs  # noqa: E402
from bot.cli import ops as _ops  # noqa: E402
from bot.cli import worker as _worker  # noqa: E402

for _module in (_db, _ops, _jobs, _worker):
    _module.register(app)

EXIT_CODES = {BadInput: 2, NotFound: 3, NotAllowed: 4}


def main() -> None:
    try:
        app()
    except PartnerHubError as exc:
        typer.echo(f"error: {exc.render()}", err=True)
        sys.exit(next((code for kind, code in EXIT_CODES.items() if isinstance(exc, kind)), 1))
    except OSError as exc:
        # Unwritable folders, missing files: say which, without a traceback.
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        typer.echo(f"error: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
