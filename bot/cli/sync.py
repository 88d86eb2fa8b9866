"""``partnerhub sync [--partner ID] [--parts …]``, ``partnerhub sync status [--json]`` and
``partnerhub import subscriptions FILE.csv`` — real data from Webex and from a
subscription export; ``partnerhub import partner-hub FILE.csv`` — a file Partner Hub exports."""
from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from pathlib import Path

import typer
from sqlmodel import Session

from bot.cli.common import echo_done, echo_json, ready_engine, settings
from bot.cli.options import FORMAT_OPT, JSON_OPT, PARTNER_OPT
from bot.cli.output import JSON, OUTPUT_OPT, TABLE, emit_rows, output_format
from bot.cli.tables import resolve_partner
from partnerhub_core import secrets
from partnerhub_core.auth import Actor
from partnerhub_core.db import session_scope
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import utcnow
from partnerhub_core.sources import sync as sync_core
from partnerhub_core.sources.subscription_export import export_subscriptions
from partnerhub_core.sources.partner_hub_exports import import_partner_hub_export
from partnerhub_core.sources.subscription_import import import_subscriptions

sync_app = typer.Typer(help="Sync customers, licenses, tags, admins, inventory and call history from Webex.",
                       invoke_without_command=True)
import_app = typer.Typer(help="Import data Webex's API does not give.", no_args_is_help=True)
export_app = typer.Typer(help="Export data in the layout `partnerhub import` reads.", no_args_is_help=True)



def _setup():
    cfg = settings()
    secrets.configure(cfg)  # stored Webex tokens are encrypted
    return cfg, ready_engine(cfg.database_url)


def _partner_id(engine, cfg, partner: int | None) -> int:
    with Session(engine) as session:
        return resolve_partner(session, partner, cfg.database_url).id


def _parts(value: str | None) -> list[str] | None:
    if not value:
        return None
    parts = [p.strip() for p in value.replace(" ", ",").split(",") if p.strip()]
    unknown = [p for p in parts if p not in sync_core.PARTS]
    if unknown:
        raise BadInput(N_("Unknown sync part {part}; choose from {parts}."), part=unknown[0],
                       parts=", ".join(sync_core.PARTS))
    return parts


@sync_app.callback()
def run_sync(
    ctx: typer.Context,
    partner: int = PARTNER_OPT,
    parts: str = typer.Option(None, "--parts", help=f"Comma-separated parts (default: all): {', '.join(sync_core.PARTS)}."),
    as_json: bool = JSON_OPT,
) -> None:
    """Sync one partner now. An interrupted run resumes where it stopped. Exits 1 when
    something failed (see `partnerhub sync status`); an optional source the token lacks a
    scope for is "not connected" (see `partnerhub sources`), not a failure."""
    if ctx.invoked_subcommand is not None:
        return
    cfg, engine = _setup()
    pid = _partner_id(engine, cfg, partner)
    # Settings.now(): under PARTNERHUB_AS_OF the snapshots are dated that day, so a frozen
    # "today" reads back what this sync wrote.
    with _progress(show=not as_json) as on_progress:
        report = sync_core.sync_partner(session_factory=partial(session_scope, engine), partner_id=pid,
                                        settings=cfg, now=cfg.now(), parts=_parts(parts), progress=on_progress)
    rows = [{"part": p.part, "organizations_ok": p.succeeded, "organizations_failed": p.failed,
             "resumed_past": p.skipped, "items": p.items, "stopped": p.stopped,
             "first_error": p.errors[0] if p.errors else None,
             "not_connected": p.not_connected or None} for p in report.parts]
    if as_json:
        echo_json({"partner_id": pid, "ok": report.ok, "parts": rows})
    else:
        typer.echo(f"{'part':<14}{'orgs ok':>8}{'failed':>8}{'resumed':>9}{'items':>9}  first error")
        for r in rows:
            typer.echo(f"{r['part']:<14}{r['organizations_ok']:>8}{r['organizations_failed']:>8}"
                       f"{r['resumed_past']:>9}{r['items']:>9}  {(r['first_error'] or '')[:120]}")
        # An optional source the token lacks a scope for is not a failure: one line, and where to look.
        for r in rows:
            if r["not_connected"]:
                typer.echo(f"{r['part']}: {r['not_connected']} (see `partnerhub sources`)")
    if not report.ok:
        raise typer.Exit(1)


@contextmanager
def _progress(show: bool):
    """One rich progress bar per part, fed by the core's progress callback, on stderr (the
    table or --json on stdout stay clean). A partner with 2,000 organizations takes minutes."""
    if not show:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(), console=Console(stderr=True))
    tasks: dict[str, int] = {}

    def on_progress(event: sync_core.Progress) -> None:
        total = max(event.total, 1)
        if event.part not in tasks:
            tasks[event.part] = bars.add_task(event.part, total=total, failed=0)
        bars.update(tasks[event.part], completed=event.done, total=total, failed=event.failed)

    with bars:
        yield on_progress


def _stamp(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@sync_app.command("status")
def status(
    partner: int = PARTNER_OPT,
    as_json: bool = JSON_OPT,
    fmt: str = FORMAT_OPT,
    output: Path = OUTPUT_OPT,
) -> None:
    """When each part last succeeded, what failed, and which parts will resume."""
    shape = output_format(fmt, as_json, output)
    cfg, engine = _setup()
    pid = _partner_id(engine, cfg, partner)
    with Session(engine) as session:
        parts = sync_core.sync_status(session=session, partner_id=pid)
    if shape == JSON:
        echo_json({"partner_id": pid, "parts": parts})
        return
    if shape != TABLE:
        emit_rows("Sync status", ["part", "last success", "last error at", "organizations ok", "organizations failed",
                                  "last error", "resumes"],
                  [[p.part, p.last_success_at, p.last_error_at, p.organizations_ok, p.organizations_failed,
                    p.last_error, p.resuming] for p in parts], shape,
                  kinds=["text", "text", "text", "int", "int", "text", "bool"], output=output)
        return
    typer.echo(f"{'part':<14}{'last success':<22}{'last error':<22}{'orgs ok':>8}{'failed':>8}  error")
    for p in parts:
        flag = " (resumes)" if p.resuming else ""
        flag += " (see `partnerhub sources`)" if p.not_connected else ""
        typer.echo(f"{p.part:<14}{_stamp(p.last_success_at):<22}{_stamp(p.last_error_at):<22}"
                   f"{p.organizations_ok:>8}{p.organizations_failed:>8}  {(p.last_error or '')[:120]}{flag}")
    typer.echo("")
    typer.echo("Which figures each source gives, and what is missing: partnerhub sources")


@import_app.command("subscriptions")
def subscriptions(
    file: Path = typer.Argument(..., help="CSV file (layout: docs/IMPORT.md).", metavar="FILE"),
    partner: int = PARTNER_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Import a subscription CSV: every row is checked first; one bad row imports nothing."""
    cfg = settings()
    engine = ready_engine(cfg.database_url)
    pid = _partner_id(engine, cfg, partner)
    with session_scope(engine) as session:
        result = import_subscriptions(session=session, actor=Actor.system(pid, label="cli"), source=file,
                                      now=utcnow())
    if as_json:
        echo_json(result)
        return
    typer.echo(f"Imported {result.rows} rows from {file.name}: {result.subscriptions_created} new and "
               f"{result.subscriptions_updated} updated subscriptions, {result.customers_created} new customers, "
               f"{result.order_lines_added} order lines.")
    if result.ignored_columns:
        typer.echo(f"Ignored columns: {', '.join(result.ignored_columns)}.")


@import_app.command("partner-hub")
def partner_hub(
    file: Path = typer.Argument(..., help="A CSV downloaded from Partner Hub: the customer list, the devices or "
                                          "the phone numbers report (docs/IMPORT.md).", metavar="FILE"),
    partner: int = PARTNER_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Import a Partner Hub export; its kind is read from the header row. Every row is
    checked first; one bad row imports nothing."""
    cfg = settings()
    engine = ready_engine(cfg.database_url)
    pid = _partner_id(engine, cfg, partner)
    with session_scope(engine) as session:
        result = import_partner_hub_export(session=session, actor=Actor.system(pid, label="cli"), source=file,
                                           now=utcnow())
    if as_json:
        echo_json(result)
        return
    typer.echo(f"Imported {result.rows} rows of {file.name} ({result.kind}): {result.customers} customers, "
               f"{result.customers_created} new and {result.customers_updated} updated, {result.items} "
               f"devices or numbers.")
    if result.ignored_columns:
        typer.echo(f"Ignored columns: {', '.join(result.ignored_columns)}.")


@export_app.command("subscriptions")
def export(
    file: Path = typer.Argument(..., help="CSV file to write (layout: docs/IMPORT.md).", metavar="FILE"),
    partner: int = PARTNER_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Write the partner's subscriptions in the import's layout: importing the file gives
    the same lines back."""
    cfg = settings()
    engine = ready_engine(cfg.database_url)
    pid = _partner_id(engine, cfg, partner)
    with Session(engine) as session, open(file, "wb") as out:
        rows = export_subscriptions(session=session, partner_id=pid, out=out)
    echo_done(as_json, f"Exported {rows} rows to {file}.", rows=rows, path=str(file.resolve()))


def register(app: typer.Typer) -> None:
    app.add_typer(sync_app, name="sync")
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
