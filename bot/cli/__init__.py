"""``partnerhub`` — the command line. Each command group lives in its own module and
exposes ``register(app)``; this module only wires them and turns the core's typed
errors into one line on stderr with a non-zero exit (never a traceback)."""
from __future__ import annotations

import os
import sys

import typer

try:  # recent typer vendors its own copy of click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer
    from click import exceptions as click_errors

from partnerhub_core.errors import BadInput, NotAllowed, NotFound, PartnerHubError
from partnerhub_core.i18n import translations
from partnerhub_core.i18n.resolve import cli_locale

app = typer.Typer(
    name="partnerhub",
    help="Webex Partner Hub, in Slack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command groups, in the order `--help` lists them. Add a module here to add a group.
from bot.cli import analytics as _analytics  # noqa: E402
from bot.cli import calling as _calling  # noqa: E402
from bot.cli import customers as _customers  # noqa: E402
from bot.cli import db as _db  # noqa: E402
from bot.cli import demo as _demo  # noqa: E402
from bot.cli import jobs as _jobs  # noqa: E402
from bot.cli import ops as _ops  # noqa: E402
from bot.cli import reports as _reports  # noqa: E402
from bot.cli import serve as _serve  # noqa: E402
from bot.cli import sync as _sync  # noqa: E402
from bot.cli import tags as _tags  # noqa: E402
from bot.cli import worker as _worker  # noqa: E402

for _module in (_demo, _customers, _tags, _analytics, _calling, _reports, _sync, _db, _ops, _serve, _jobs, _worker):
    _module.register(app)

EXIT_CODES = {BadInput: 2, NotFound: 3, NotAllowed: 4}


def main() -> None:
    try:
        status = app(standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click_errors.ClickException as exc:
        # Unknown option, missing argument, value out of range: one line, not a usage box.
        ctx = getattr(exc, "ctx", None)
        hint = f" Try '{ctx.command_path} --help'." if ctx is not None else ""
        typer.echo(f"error: {exc.format_message().rstrip('.')}.{hint}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    except PartnerHubError as exc:
        # In the language of --lang / PARTNERHUB_LANGUAGE (English by default).
        locale = cli_locale(sys.argv[1:], os.environ)
        typer.echo(f"error: {exc.render(translations(locale).gettext)}", err=True)
        sys.exit(next((code for kind, code in EXIT_CODES.items() if isinstance(exc, kind)), 1))
    except OSError as exc:
        # Unwritable folders, missing files: say which, without a traceback.
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        typer.echo(f"error: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    # Without standalone mode a command's `raise typer.Exit(code)` comes back as a value.
    if isinstance(status, int) and not isinstance(status, bool) and status:
        sys.exit(status)
