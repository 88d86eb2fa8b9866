"""How a command prints what it found: ``--format table|json|csv|xlsx`` (``--json`` is
``--format json``), and ``--output FILE`` to write the CSV or XLSX into a file instead of
stdout (XLSX always needs one). Files come from the shared table exporter
(partnerhub_core/reports/tables.py): the same headers, rounding and formula guard as the
Slack downloads and the reports (CSV: UTF-8 with a BOM)."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import typer

from bot.cli import click_errors

TABLE, JSON, CSV, XLSX = "table", "json", "csv", "xlsx"
ROWS = (TABLE, JSON, CSV, XLSX)

OUTPUT_OPT = typer.Option(None, "--output", "-o", help="Write the CSV or XLSX into this file (and print its path); "
                          "--format follows the file's extension when not given.", metavar="FILE",
                          show_default=False)


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
