"""``partnerhub`` — the command line. Each command group lives in its own module and
exposes ``register(app)``; this module only lists them and turns the core's typed errors
into one line on stderr with a documented exit code (never a traceback).

Commands load lazily: ``COMMANDS`` names each top-level command, the module(s) that
register it and the one line ``--help`` shows, so ``partnerhub --help`` imports nothing
but Typer, and a command imports only what it needs (no pandas for ``db upgrade``, no
Slack for ``kpis``). tests/cli/test_cli_app.py checks that every module's commands are
listed here with the module's own help line.

Exit codes (docs/cli.md): 0 success; 1 failure (an error without a more precise code,
an unhealthy ``jobs status``, a pending migration in ``db current``); 2 bad input or
usage (unknown option, bad value, bad setting); 3 not found; 4 not allowed; 5 the
database cannot be reached; 6 the database is not migrated; 130 interrupted.
"""
from __future__ import annotations

import gc
import importlib
import os
import sys

import typer
from typer.core import TyperGroup

try:  # recent typer vendors its own copy of click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer
    from click import exceptions as click_errors

# name: (modules under bot.cli that register it, the line `partnerhub --help` shows).
# In the order `--help` lists them. Add a command: one line here, `register(app)` there.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "demo": (("demo",), "Build the demo partner in a local database, print what partner admins see, write the CSVs."),
    "customers": (("customers",), "Customer lookup and list."),
    "tags": (("tags",), "Custom tags on customers: list, show, create, rename, delete, add, remove."),
    "admins": (("admins",), "Partner admins: name, email, role, and whether they see all customers or how many "
                            "are assigned."),
    "kpis": (("analytics",), "Headline KPIs: customers, approaching expiration, renewals, low assignment, overage."),
    "section": (("analytics",), "One analytics section for Meetings or Calling: recent, expiring, renewing, low or "
                                "overage."),
    "calling": (("calling",), "Webex Calling analytics (last completed week, 8-week trends)."),
    "report": (("reports",), "Write one report as CSV (UTF-8 with BOM) or XLSX and print the file's path."),
    "report-template": (("reports",), "Custom report templates: saved columns and filters."),
    "audit": (("audit",), "Who changed what, and when: the audit trail, newest first."),
    "sync": (("sync",), "Sync customers, licenses, tags, admins, inventory and call history from Webex."),
    "sources": (("sources",), "Where each figure comes from: which Webex sources are connected, when they were "
                              "last read, what is missing."),
    "import": (("sync",), "Import data Webex's API does not give."),
    "export": (("sync",), "Export data in the layout `partnerhub import` reads."),
    "db": (("db",), "Database migrations."),
    "purge": (("ops",), "Delete every row of one partner, in every table, and print what was removed."),
    "secrets": (("ops",), "Encryption keys of the tokens stored in the database."),
    "serve": (("serve",), "Run the Slack app: Events API, slash commands, interactivity and OAuth install."),
    "jobs": (("jobs", "ops"), "Scheduled jobs of the worker."),
    "worker": (("worker",), "Run the scheduler: digests, alerts, scheduled reports, the Sunday data refresh."),
}


def _use_database_url(value: str | None) -> str | None:
    # Every setting is read from the environment, so the option is that variable for
    # this process: the command and everything it calls read the same database.
    if value:
        os.environ["PARTNERHUB_DATABASE_URL"] = value
    return value


def _database_url_option():
    """A ``--database-url`` option object to give commands that do not declare one."""
    from typer.main import get_command

    probe = typer.Typer()

    @probe.command()
    def _probe(_database_url: str = typer.Option(
            None, "--database-url", metavar="URL", expose_value=False, is_eager=True, callback=_use_database_url,
            help="Database URL (default: PARTNERHUB_DATABASE_URL, else DATABASE_URL).")) -> None:
        pass

    return next(p for p in get_command(probe).params if "--database-url" in p.opts)


_METAVARS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "bool": ""}


def _metavar(param) -> str | None:
    """What help shows after an option: nothing for a flag, ``TEXT``/``INTEGER``/``PATH``
    or the choices for a value (Typer's default is ``<bool>``, ``<str>``)."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    try:
        label = param.display_type(None).strip("<>")
    except Exception:  # noqa: BLE001 - choices need a context: keep Typer's own
        return None
    return _METAVARS.get(label, label if "|" in label else label.upper())


def _no_type(ctx=None):
    """An argument's metavar says what it takes: no Typer type (<str>, <list[str]>) beside it."""
    return None


def _plain_help_option(command) -> None:
    """-h/--help is a flag: nothing after it (Typer shows <bool>). Click builds it lazily, per context."""
    base = command.get_help_option

    def get_help_option(ctx):
        option = base(ctx)
        if option is not None and option.metavar is None:
            option.metavar = ""
        return option

    command.get_help_option = get_help_option


def _with_database_url(command) -> None:
    """Every command takes ``--database-url`` (those that do not declare it get ours),
    and every option and argument a plain metavar."""
    _plain_help_option(command)
    if hasattr(command, "commands"):  # a group
        for sub in command.commands.values():
            _with_database_url(sub)
        if not getattr(command, "invoke_without_command", False):
            return  # a group that runs something itself (``sync``) takes it too
    if not any("--database-url" in getattr(p, "opts", ()) for p in command.params):
        command.params.append(_database_url_option())
    for param in command.params:
        kind = getattr(param, "param_type_name", "")
        if kind == "option" and param.metavar is None:
            param.metavar = _metavar(param)
        elif kind == "argument":
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
            param.display_type_rich = _no_type


def load_command(name: str):
    """The click command ``name``, built from the module(s) that register it."""
    from typer.main import get_group

    holder = typer.Typer()
    for module in COMMANDS[name][0]:
        importlib.import_module(f"bot.cli.{module}").register(holder)
    command = get_group(holder).commands.get(name)
    if command is not None:
        _with_database_url(command)
    return command


class LazyGroup(TyperGroup):
    """A group whose commands are imported when one is run (or its help is asked for)."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        if name not in COMMANDS:
            return None
        command = self.commands[name] = load_command(name)
        _collect_from_now_on()
        return command

    def format_help(self, ctx, formatter):
        # Typer's rich help would build every command to show its line; the plain one
        # shows COMMANDS' lines and imports nothing.
        super(TyperGroup, self).format_help(ctx, formatter)

    def format_commands(self, ctx, formatter):
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, summary) in COMMANDS.items()])


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"partnerhub {version('partnerhub')}")
        except PackageNotFoundError:  # a checkout that was never installed
            typer.echo("partnerhub (not installed)")
        raise typer.Exit()


app = typer.Typer(
    name="partnerhub",
    cls=LazyGroup,
    help="Webex Partner Hub, in Slack.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True,
                                       callback=_version)) -> None:
    """Webex Partner Hub, in Slack. `partnerhub COMMAND -h` explains each command."""


# Exit codes by error type (the first match wins; see the module docstring).
def _exit_code(exc: BaseException) -> int:
    from partnerhub_core.errors import BadInput, DatabaseNotReady, DatabaseUnavailable, NotAllowed, NotFound

    codes = ((BadInput, 2), (NotFound, 3), (NotAllowed, 4), (DatabaseUnavailable, 5), (DatabaseNotReady, 6))
    return next((code for kind, code in codes if isinstance(exc, kind)), 1)


# Garbage collection at start-up. Importing a command's modules allocates some 150 MB of
# objects that live as long as the process (modules, classes, SQLAlchemy mappers, pandas);
# with the collector on, it walks them hundreds of times while they load and once more at
# exit: 0.2-0.4 s of CPU of a read command. So `main`, when it is the program, pauses the
# collector; once the command is loaded they are frozen (moved out of every generation) and
# collection resumes for what the command itself allocates. Inside another program (the
# tests call main()) nothing changes.
_gc_paused = False


def _is_program() -> bool:
    """Whether ``main`` runs as the process's program (the ``partnerhub`` script imports it
    into ``__main__``), not as a function inside another program."""
    return getattr(sys.modules.get("__main__"), "main", None) is main


def _pause_collection() -> None:
    global _gc_paused
    if _is_program() and gc.isenabled():
        gc.disable()
        _gc_paused = True


def _collect_from_now_on() -> None:
    """The command is loaded: freeze what start-up allocated, collect from here on."""
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.freeze()
        gc.enable()


def main() -> None:
    _pause_collection()
    try:
        _main()
    finally:
        if _gc_paused:  # no command was loaded (--help, --version, a usage error)
            _collect_from_now_on()


def _main() -> None:
    from partnerhub_core.errors import PartnerHubError

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
        from partnerhub_core.db import mask_url
        from partnerhub_core.i18n import translations
        from partnerhub_core.i18n.resolve import cli_locale

        locale = cli_locale(sys.argv[1:], os.environ)
        typer.echo(f"error: {mask_url(exc.render(translations(locale).gettext))}", err=True)
        sys.exit(_exit_code(exc))
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
