"""How a command prints what it found: ``--format table|json|csv|xlsx`` (``--json`` is
``--format json``), and ``--output FILE`` to write the CSV or XLSX into a file instead of
stdout (XLSX always needs one). Files come from the shared table exporter
(partnerhub_core/reports/tables.py): the same headers, rounding and formula guard as the
Slack downloads and the reports (CSV: UTF-8 with a BOM).

``@read_command`` gives a read command the options they all share, in one order
(``--partner --as-of --database-url --json --format --output --lang``), as one ``opts``."""
from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from bot.cli import click_errors
from bot.cli.options import AS_OF_OPT, DB_OPT, FORMAT_OPT, JSON_OPT, LANG_OPT, PARTNER_OPT

if TYPE_CHECKING:
    from bot.cli.tables import ReadContext

TABLE, JSON, CSV, XLSX = "table", "json", "csv", "xlsx"
ROWS = (TABLE, JSON, CSV, XLSX)

OUTPUT_OPT = typer.Option(None, "--output", "-o", help="Write the CSV or XLSX into this file (and print its path); "
                          "--format follows the file's extension when not given.", metavar="FILE",
                          show_default=False)


@dataclass(frozen=True)
class ReadOptions:
    """The shared options of one read command, as given on the command line."""
    partner: int | None = None
    as_of: str | None = None
    database_url: str | None = None
    json_out: bool = False
    fmt: str | None = None
    output: Path | None = None
    lang: str = "en"

    def shape(self, allowed: Sequence[str] = ROWS) -> str:
        """``output_format`` of ``--format``, ``--json`` and ``--output``."""
        return output_format(self.fmt, self.json_out, self.output, allowed)

    def context(self) -> ReadContext:
        """The partner, day, database and language read (``tables.read_context``)."""
        from bot.cli.tables import read_context

        return read_context(self.partner, self.as_of, self.database_url, self.lang)

    def actor(self, ctx: ReadContext):
        """Who the CLI acts as: the partner's operator, who sees every customer."""
        from partnerhub_core.auth import Actor

        return Actor.system(ctx.partner_id, label="cli")


# name: (type, option), in the order help lists them, after the command's own parameters.
_SHARED = {"partner": (int, PARTNER_OPT), "as_of": (str, AS_OF_OPT), "database_url": (str, DB_OPT),
           "json_out": (bool, JSON_OPT), "fmt": (str, FORMAT_OPT), "output": (Path, OUTPUT_OPT),
           "lang": (str, LANG_OPT)}


def read_command(*, as_of: bool = True, formats: bool = True) -> Callable[[Callable], Callable]:
    """A command ``def name(own params..., opts: ReadOptions)`` as Typer sees it: its own
    parameters, then the shared options (without ``--as-of`` when ``as_of`` is False,
    without ``--format``/``--output`` when ``formats`` is False), handed over as ``opts``."""
    names = [n for n in _SHARED if (as_of or n != "as_of") and (formats or n not in ("fmt", "output"))]

    def wrap(fn: Callable) -> Callable:
        own = [p for p in inspect.signature(fn, eval_str=True).parameters.values() if p.name != "opts"]
        shared = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=_SHARED[n][1],
                                    annotation=_SHARED[n][0]) for n in names]

        @functools.wraps(fn)
        def command(*args, **kwargs):
            opts = ReadOptions(**{n: kwargs.pop(n) for n in names if n in kwargs})
            return fn(*args, **kwargs, opts=opts)

        command.__signature__ = inspect.Signature([*own, *shared])
        command.__annotations__ = {**{p.name: p.annotation for p in own}, **{n: _SHARED[n][0] for n in names}}
        return command

    return wrap


def output_format(fmt: str | None, json_flag: bool = False, output: Path | None = None,
                  allowed: Sequence[str] = ROWS) -> str:
    """The format asked for. ``--json`` with another ``--format``, ``--output`` with a
    format that is not a file, and XLSX without ``--output`` are usage errors (exit 2)."""
    chosen = (fmt or "").strip().lower() or None
    if chosen is not None and chosen not in allowed:
        raise click_errors.UsageError(f"--format takes {', '.join(allowed)}, not {fmt!r}")
    if json_flag and chosen not in (None, JSON):
        raise click_errors.UsageError(f"--json and --format {chosen} disagree: give one of them")
    if json_flag:
        chosen = JSON
    if output is not None:
        if chosen is None:
            chosen = XLSX if output.suffix.lower() == ".xlsx" and XLSX in allowed else CSV
        if chosen not in (CSV, XLSX):
            raise click_errors.UsageError(f"--output writes csv or xlsx, not {chosen}")
    if chosen == XLSX and output is None:
        raise click_errors.UsageError("--format xlsx writes a file: add --output FILE.xlsx")
    return chosen or TABLE


def emit_table(table, shape: str, locale: str = "en", output: Path | None = None) -> None:
    """A ``reports.tables.Table`` as CSV or XLSX: into ``output`` (its path printed), else
    CSV on stdout."""
    from partnerhub_core.reports.tables import export_table

    emit_bytes(export_table(table, shape, locale), output)


def emit_view(table, shape: str, locale: str = "en", output: Path | None = None) -> None:
    """A downloadable view's table (``reports.views``): when it has no rows, says so on
    stderr and writes nothing (no empty file left behind)."""
    if table is None or table.empty:
        from partnerhub_core.i18n import N_, translations

        typer.echo(translations(locale).gettext(N_("No rows.")), err=True)
        return
    emit_table(table, shape, locale, output)


def emit_bytes(data: bytes, output: Path | None = None) -> None:
    """A file's bytes on stdout, or into ``output`` (written whole, then its path printed)."""
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.part")
    try:
        partial.write_bytes(data)
        partial.replace(output)  # a half-written file never carries the final name
    finally:
        partial.unlink(missing_ok=True)
    typer.echo(str(output.resolve()))


def emit_rows(title: str, headers: Sequence[str], rows, shape: str, *, kinds: Sequence[str] | None = None,
              locale: str = "en", output: Path | None = None) -> None:
    """Rows of plain values as a table file (``kinds`` per column: text, int, float,
    percent, date, bool)."""
    from partnerhub_core.reports.tables import from_rows

    emit_table(from_rows(title, headers, rows, kinds), shape, locale, output)


def emit_section(section, shape: str, locale: str = "en", output: Path | None = None) -> None:
    """An analytics section's table (with its notes) as CSV or XLSX."""
    from partnerhub_core.reports.tables import from_section

    emit_table(from_section(section, locale), shape, locale, output)
