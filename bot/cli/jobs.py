"""``partnerhub jobs list|run`` — the worker's named jobs, by hand.

``jobs run tick`` posts whatever is due now (exactly once, like the worker);
``--as-of`` freezes the day the content speaks about, ``--now`` the instant (UTC) used to
decide what is due (scripts and tests). ``jobs status`` comes from ``bot/cli/ops.py``.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import typer

from bot.cli.common import echo_json, ready_engine, settings
from bot.cli.options import FORMAT_OPT, JSON_OPT
from bot.cli.output import JSON, OUTPUT_OPT, TABLE, emit_rows, output_format
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_

jobs_app = typer.Typer(help="Scheduled jobs of the worker.", no_args_is_help=True)


def _specs():
    from bot.worker import job_specs

    return job_specs()


@jobs_app.command("list")
def list_jobs(as_json: bool = JSON_OPT, fmt: str = FORMAT_OPT, output: Path = OUTPUT_OPT) -> None:
    """The worker's jobs, when each runs, and its next run."""
    shape = output_format(fmt, as_json, output)
    now = datetime.now(timezone.utc)
    rows = []
    for spec in _specs().values():
        trigger = spec.trigger()
        nxt = trigger.get_next_fire_time(None, now)
        rows.append({"name": spec.name, "when": spec.description, "next_run": nxt.isoformat(timespec="seconds") if nxt else None})
    if shape == JSON:
        echo_json(rows)
        return
    if shape != TABLE:
        emit_rows("Jobs", ["job", "next run (UTC)", "what"], [[r["name"], r["next_run"], r["when"]] for r in rows],
                  shape, output=output)
        return
    width = max(len(r["name"]) for r in rows)
    typer.echo(f"{'job'.ljust(width)}  {'next run (UTC)'.ljust(25)}  what")
    for r in rows:
        typer.echo(f"{r['name'].ljust(width)}  {(r['next_run'] or '-')[:25].ljust(25)}  {r['when']}")


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(N_("--now takes an ISO instant such as 2026-11-23T12:00:00Z, not {value}."),
                       value=value) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@jobs_app.command("run")
def run(
    name: str = typer.Argument(..., help="Job name (see `partnerhub jobs list`).", metavar="NAME"),
    as_of: str = typer.Option(None, "--as-of", help="Freeze today (YYYY-MM-DD) for the content."),
    now: str = typer.Option(None, "--now", help="The instant that decides what is due (ISO, UTC)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Run one job once, now."""
    from bot.worker import run_job
    from partnerhub_core import secrets
    from partnerhub_core.logging import configure_logging

    specs = _specs()
    if name not in specs:
        raise BadInput(N_("Unknown job {name}. Jobs: {choices}."), name=name, choices=", ".join(specs))
    overrides = {}
    if as_of:
        try:
            overrides["as_of"] = date.fromisoformat(as_of)
        except ValueError:
            raise BadInput(N_("--as-of takes a date such as 2026-11-23, not {value}."), value=as_of) from None
    cfg = settings().model_copy(update=overrides)
    engine = ready_engine(cfg.database_url)  # a missing, down or old database: one line, before any log
    configure_logging(cfg)
    secrets.configure(cfg)
    outcomes = run_job(name, cfg, engine, now=_parse_now(now))
    if as_json:
        echo_json([o.__dict__ for o in outcomes])
        return
    if not outcomes:
        typer.echo("nothing to do")
    for o in outcomes:
        typer.echo(f"{o.status:11s} {o.schedule_id or '':>5} {o.period} {o.error or ''}".rstrip())


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")
