"""``partnerhub report NAME [FILTER]...`` — run a report (call-usage, devices, numbers or a
custom template) into a CSV file (``--format xlsx``: an XLSX file) and print its path (JSON
with ``--json``); ``partnerhub report-template save|list|delete`` manages custom templates.
Filters are Slack's words (``region:EU`` or just ``EU``), ``--region`` an alias."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import typer

from bot.cli.common import echo_done, echo_json
from bot.cli.filters import parse_filters
from bot.cli.options import FORMAT_OPT, REGION_OPT, TAG_OPT, filters_arg
from bot.cli.output import JSON, OUTPUT_OPT, TABLE, emit_rows, output_format
from bot.cli.tables import AS_OF_OPT, DB_OPT, JSON_OPT, PARTNER_OPT, parse_day, read_context, text_table
from partnerhub_core import reports
from partnerhub_core.auth import Actor
from partnerhub_core.i18n import N_
from partnerhub_core.db import session_scope


def _report_format(value: str) -> str:
    fmt = (value or "").lower()
    if fmt not in reports.FORMATS:
        raise typer.BadParameter(f"{value!r} is not a report format: use csv or xlsx")
    return fmt


REPORT_FORMAT_OPT = typer.Option("csv", "--format", help="csv (UTF-8 with BOM) or xlsx (numbers and dates typed).",
                                 metavar="FORMAT", callback=_report_format)

template_app = typer.Typer(help="Custom report templates: saved columns and filters.", no_args_is_help=True)


def report(
    name: str = typer.Argument(..., help="call-usage, devices, numbers, or a custom template's name.",
                              metavar="NAME"),
    filters: list[str] = filters_arg("region:EU (or just EU)"),
    region: str = REGION_OPT,
    start: str = typer.Option(None, "--from", help="First day, YYYY-MM-DD (call usage; default: last week)."),
    end: str = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (call usage)."),
    out: Path = typer.Option(Path("."), "--out", help="Folder to write the file into."),
    fmt: str = REPORT_FORMAT_OPT,
    locale: str = typer.Option("en", "--locale", "--lang", help="Headers in en, pt-BR or es."),
    partner: int = PARTNER_OPT,
    as_of: str = AS_OF_OPT,
    database_url: str = DB_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Write one report as CSV (UTF-8 with BOM) or XLSX and print the file's path."""
    chosen = parse_filters(filters, keys=("region",), region=region)
    ctx = read_context(partner, as_of, database_url, locale)
    first = parse_day(start, None) if start else None
    last = parse_day(end, None) if end else None
    out.mkdir(parents=True, exist_ok=True)
    partial = out / f".partnerhub-report-{datetime.now(timezone.utc).strftime('%H%M%S%f')}.part"
    try:
        with ctx.session() as session, partial.open("wb") as fh:
            written = reports.write_report(session=session, partner_id=ctx.partner_id, report=name,
                                           as_of=ctx.as_of, region=chosen.region, start=first, end=last,
                                           locale=ctx.locale, out=fh, fmt=fmt)
        if not written.rows:  # a header-only file would look like a report: say so, write nothing
            echo_done(json_out, ctx._(N_("No rows: no file written.")), report=name, path=None,
                      region=chosen.region, rows=0)
            return
        target = out / written.filename
        partial.replace(target)  # a half-written report never carries the final name
    finally:
        partial.unlink(missing_ok=True)
    echo_done(json_out, str(target), report=name, path=str(target.resolve()), region=chosen.region,
              rows=written.rows, format=fmt)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@template_app.command("save")
def save(
    name: str = typer.Argument(..., help="The template's name (also the file name's first part).", metavar="NAME"),
    base: str = typer.Option(..., "--report", help="call-usage, devices or numbers."),
    filters: list[str] = filters_arg('region:EU, tag:"At risk": the template always limits to these'),
    columns: str = typer.Option("", "--columns", help="Comma-separated column keys or header names (default: all)."),
    region: str = REGION_OPT,
    tag: str = TAG_OPT,
    replace: bool = typer.Option(False, "--replace", help="Overwrite a template of the same name."),
    partner: int = PARTNER_OPT,
    database_url: str = DB_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Save a custom report template."""
    chosen = parse_filters(filters, keys=("region", "tag"), region=region, tag=tag)
    ctx = read_context(partner, None, database_url)
    picked = [c.strip() for c in columns.split(",") if c.strip()]
    with session_scope(ctx.engine) as session:
        template = reports.save_template(session=session, actor=Actor.system(ctx.partner_id, label="cli"),
                                         name=name, base_report=base, columns=picked, region=chosen.region,
                                         tag=chosen.tag, now=_now(), replace=replace)
        echo_done(json_out, f"saved template:{template.id} {template.name}", action="saved",
                  key=f"template:{template.id}", name=template.name, report=template.base_report,
                  columns=list(template.columns or []), filters=dict(template.filters or {}))


@template_app.command("list")
def list_(partner: int = PARTNER_OPT, database_url: str = DB_OPT, json_out: bool = JSON_OPT,
          fmt: str = FORMAT_OPT, output: Path = OUTPUT_OPT) -> None:
    """List the partner's custom report templates."""
    shape = output_format(fmt, json_out, output)
    ctx = read_context(partner, None, database_url)
    with ctx.session() as session:
        found = reports.list_templates(session=session, partner_id=ctx.partner_id)
    data = [{"key": f"template:{t.id}", "name": t.name, "report": t.base_report,
             "columns": list(t.columns or []), "filters": dict(t.filters or {})} for t in found]
    if shape == JSON:
        echo_json(data)
        return
    rows = [[d["key"], d["name"], d["report"], ", ".join(d["columns"]) or "*",
             ", ".join(f"{k}={v}" for k, v in d["filters"].items())] for d in data]
    if shape == TABLE:
        typer.echo(text_table(["key", "name", "report", "columns", "filters"], rows))
    else:
        emit_rows("Report templates", ["key", "name", "report", "columns", "filters"], rows, shape, output=output)


@template_app.command("delete")
def delete(name: str = typer.Argument(..., metavar="NAME"), partner: int = PARTNER_OPT, database_url: str = DB_OPT,
           json_out: bool = JSON_OPT) -> None:
    """Delete a custom report template."""
    ctx = read_context(partner, None, database_url)
    with session_scope(ctx.engine) as session:
        reports.delete_template(session=session, actor=Actor.system(ctx.partner_id, label="cli"), name=name,
                                now=_now())
    echo_done(json_out, f"deleted {name}", action="deleted", name=name)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.add_typer(template_app, name="report-template")
