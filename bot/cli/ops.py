"""Operator commands: ``partnerhub purge``, ``partnerhub secrets
rotate|generate-key|set-webex-token|forget-webex-token``, ``partnerhub jobs status``."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import typer
from sqlmodel import Session

from bot.cli.common import echo_done, echo_json, ready_engine, settings
from bot.cli.options import FORMAT_OPT, JSON_OPT
from bot.cli.output import JSON, OUTPUT_OPT, TABLE, emit_rows, output_format
from partnerhub_core import audit, credentials, jobs, purge as purge_core, secrets
from partnerhub_core.auth import Actor
from partnerhub_core.db import session_scope
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.models import Partner, utcnow

secrets_app = typer.Typer(help="Encryption keys of the tokens stored in the database.", no_args_is_help=True)


# --- purge -----------------------------------------------------------------------------
def purge(
    partner: int = typer.Option(..., "--partner", help="Id of the partner to delete."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation (scripts)."),
    json_out: bool = JSON_OPT,
) -> None:
    """Delete every row of one partner, in every table, and print what was removed.

    Covers customers, tags, schedules, audit trail, the Slack installations of its
    workspaces ... Asks for confirmation unless --yes (--json needs --yes)."""
    if json_out and not yes:
        from bot.cli import click_errors

        raise click_errors.UsageError("--json does not ask for confirmation: add --yes")
    cfg = settings()
    engine = ready_engine(cfg.database_url)
    with Session(engine) as session:
        row = session.get(Partner, partner)
        if row is None:
            raise BadInput(N_("There is no partner with id {partner_id}."), partner_id=partner)
        name = row.name
        preview = purge_core.count_partner_rows(session, partner)
    if not yes:
        typer.echo(f"Partner {partner} ({name}) has {sum(preview.values())} rows in {len(preview)} tables:")
        _print_counts(preview)
        if not typer.confirm("Delete all of them for good?", default=False):
            typer.echo("Nothing deleted.")
            raise typer.Exit(1)
    with session_scope(engine) as session:
        removed = purge_core.purge_partner(session, partner)
    if json_out:
        echo_json({"partner_id": partner, "name": name, "rows": sum(removed.values()), "tables": removed})
        return
    typer.echo(f"Deleted partner {partner} ({name}): {sum(removed.values())} rows in {len(removed)} tables.")
    _print_counts(removed)


def _print_counts(counts: dict[str, int]) -> None:
    if not counts:
        return
    width = max(len(t) for t in counts)
    for table, n in sorted(counts.items()):
        typer.echo(f"  {table.ljust(width)}  {n:>8}")


# --- secrets ---------------------------------------------------------------------------
@secrets_app.command("generate-key")
def generate_key(json_out: bool = JSON_OPT) -> None:
    """Print a new key. Put it first in PARTNERHUB_SECRET_KEYS (comma separated, newest
    first), keep the old keys after it, then run `partnerhub secrets rotate`."""
    key = secrets.generate_key()
    echo_done(json_out, key, key=key)


@secrets_app.command("rotate")
def rotate(json_out: bool = JSON_OPT) -> None:
    """Re-encrypt every stored token with the newest key of PARTNERHUB_SECRET_KEYS."""
    cfg = settings()
    if cfg.secret_keys is None or not cfg.secret_keys.get_secret_value().strip():
        raise BadInput(N_("Set PARTNERHUB_SECRET_KEYS (newest key first) before rotating."))
    secrets.configure(cfg)
    with session_scope(ready_engine(cfg.database_url)) as session:
        counts = secrets.rotate(session)
    if json_out:
        echo_json({"reencrypted": sum(counts.values()), "tables": counts})
        return
    typer.echo(f"Re-encrypted {sum(counts.values())} values with the newest key.")
    _print_counts(counts)


@secrets_app.command("set-webex-token")
def set_webex_token(
    partner: int = typer.Option(..., "--partner", help="Id of the partner the token belongs to."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite a stored token even when no configured "
                                 "key can read it (its key was lost)."),
    json_out: bool = JSON_OPT,
) -> None:
    """Store a partner's Webex token, encrypted. The token is read from standard input
    (or asked for without echo), never from the command line."""
    import sys

    cfg = settings()
    if secrets.configure(cfg):
        # A throwaway key: no other process, and not this one after it exits, could read it.
        raise BadInput(N_("PARTNERHUB_SECRET_KEYS is not set, so the token could never be read back: make a key "
                          "with `partnerhub secrets generate-key`, set PARTNERHUB_SECRET_KEYS on every process, "
                          "then store the token."))
    if sys.stdin.isatty():
        token = typer.prompt("Webex token", hide_input=True)
    else:
        token = sys.stdin.readline()
    now = utcnow()
    with session_scope(ready_engine(cfg.database_url)) as session:
        credentials.set_webex_token(session, partner_id=partner, token=token, now=now, by="cli", replace=replace)
        audit.record(session, actor=Actor.system(partner, label="cli:secrets"), action="webex_token.set",
                     target_type="partner", target_id=partner, after={"replace": replace}, at=now)
    echo_done(json_out, f"Stored the Webex token of partner {partner} (encrypted).", partner_id=partner,
              stored=True)


@secrets_app.command("forget-webex-token")
def forget_webex_token(
    partner: int = typer.Option(..., "--partner", help="Id of the partner whose stored token goes."),
    json_out: bool = JSON_OPT,
) -> None:
    """Delete a partner's stored Webex token, even one no configured key can read (its key
    was lost). The partner then syncs with PARTNERHUB_WEBEX_TOKEN, if set, until a new
    token is stored with `partnerhub secrets set-webex-token`."""
    cfg = settings()
    secrets.configure(cfg)
    now = utcnow()
    with session_scope(ready_engine(cfg.database_url)) as session:
        if session.get(Partner, partner) is None:
            raise BadInput(N_("There is no partner with id {partner_id}."), partner_id=partner)
        if not credentials.forget_webex_token(session, partner_id=partner):
            echo_done(json_out, f"Partner {partner} has no stored Webex token; nothing to forget.",
                      partner_id=partner, forgotten=False)
            return
        audit.record(session, actor=Actor.system(partner, label="cli:secrets"), action="webex_token.forget",
                     target_type="partner", target_id=partner, at=now)
    echo_done(json_out, f"Forgot the stored Webex token of partner {partner}.", partner_id=partner, forgotten=True)


# --- jobs status -------------------------------------------------------------------------
def _ago(now: datetime, then: datetime | None) -> str:
    if then is None:
        return "-"
    seconds = int((now - then).total_seconds())
    if seconds < 0:
        return f"in {_span(-seconds)}"
    return f"{_span(seconds)} ago"


def _span(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds}s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)}m"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)}h"
    return f"{round(seconds / 86400)}d"


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def status(as_json: bool = JSON_OPT, fmt: str = FORMAT_OPT, output: Path = OUTPUT_OPT) -> None:
    """Each job's last run, outcome and next run, and whether the worker is alive.

    Exits 1 when the worker's heartbeat is missing or stale (for monitors)."""
    shape = output_format(fmt, as_json, output)
    cfg = settings()
    now = utcnow()
    stale_after = timedelta(seconds=cfg.worker_heartbeat_stale_seconds)
    try:  # list the worker's jobs even before their first run
        from bot.worker import job_specs

        known = sorted(job_specs())
    except ImportError:  # pragma: no cover - the worker ships with the bot
        known = []
    with Session(ready_engine(cfg.database_url)) as session:
        report = jobs.jobs_status(session, now=now, stale_after=stale_after, known_jobs=known)
    if shape not in (JSON, TABLE):
        emit_rows("Jobs", ["job", "last run", "outcome", "last success", "next run"],
                  [[j.job, j.last_started, j.last_outcome, j.last_ok, j.next_run] for j in report.jobs], shape,
                  output=output)
    elif shape == JSON:
        echo_json({"now": now, "healthy": report.healthy, "worker": report.worker, "jobs": report.jobs,
                   "stale_after_seconds": cfg.worker_heartbeat_stale_seconds})
    else:
        header = ("job", "last run", "outcome", "last success", "next run")
        rows = [
            (j.job, _stamp(j.last_started), j.last_outcome or "-", _stamp(j.last_ok), _stamp(j.next_run))
            for j in report.jobs
        ]
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for r in [header, *rows]:
            typer.echo("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())
        if not rows:
            typer.echo("(no job has run yet)")
        w = report.worker
        if w is None:
            typer.echo("worker: no heartbeat ever recorded: is `partnerhub worker` running?")
        elif w.stopped:
            typer.echo(f"worker: {w.worker_id} stopped; last heartbeat {_ago(now, w.last_beat)} — STALE")
        elif w.stale:
            typer.echo(f"worker: {w.worker_id} last heartbeat {_ago(now, w.last_beat)} "
                       f"(more than {cfg.worker_heartbeat_stale_seconds}s) — STALE: is the worker running?")
        else:
            running = f", running {w.running_job}" if w.running_job else ""
            typer.echo(f"worker: {w.worker_id} alive, last heartbeat {_ago(now, w.last_beat)}{running}")
    if not report.healthy:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("purge")(purge)
    app.add_typer(secrets_app, name="secrets")
    try:  # the worker's `jobs` group, when it exists, gets `status`
        from bot.cli.jobs import jobs_app  # type: ignore[attr-defined]
    except ImportError:
        jobs_app = typer.Typer(help="Scheduled jobs of the worker.", no_args_is_help=True)
        app.add_typer(jobs_app, name="jobs")
    jobs_app.command("status")(status)
