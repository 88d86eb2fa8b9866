"""``partnerhub audit [FILTER]...`` — the audit trail, newest first: text by default, or
``--format json|csv|xlsx`` (``--json``; CSV on stdout, or either into ``--output FILE``); ``--csv`` still
writes a dated CSV file into ``--out``. The CLI acts as the partner's operator, so it
reads the partner's whole trail (Slack scopes it by role: docs/rules.md, "Audit trail")."""
from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.common import echo_json
from bot.cli.output import JSON, TABLE, ReadOptions, emit_view, read_command
from bot.cli.tables import text_table
from partnerhub_core.audit_view import HEADERS, AuditPage, AuditQuery, cells, read_trail, trail_csv, when_text
from partnerhub_core.i18n import N_


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)


@read_command()
def audit(
    filters: list[str] = typer.Argument(None, help="A customer (name or org id) or a person (name or email), "
                                                   "customer:NAME, person:NAME, since:YYYY-MM-DD.", metavar="FILTER"),
    limit: int = typer.Option(50, "--limit", min=1, max=5000, help="At most this many events, newest first."),
    csv: bool = typer.Option(False, "--csv", help="Write the events as a dated CSV file (UTF-8 with BOM) into --out "
                             "and print its path."),
    out: Path = typer.Option(Path("."), "--out", help="Folder to write the --csv file into."),
    *,
    opts: ReadOptions,
) -> None:
    """Who changed what, and when: the audit trail, newest first."""
    shape = opts.shape()
    query = AuditQuery.parse(list(filters or []))
    ctx = opts.context()
    with ctx.session() as session:
        page = read_trail(session=session, actor=opts.actor(ctx), query=query,
                          as_of=ctx.as_of, settings=ctx.settings, limit=limit)
    if csv:
        from partnerhub_core.reports import file_name

        out.mkdir(parents=True, exist_ok=True)
        target = out / file_name("Audit trail", ctx.as_of)
        target.write_bytes(trail_csv(page, ctx.locale))
        typer.echo(str(target))
    elif shape == JSON:
        echo_json(as_json(page, ctx._))
    elif shape == TABLE:
        typer.echo(render(page, ctx._))
    else:
        from partnerhub_core.reports.views import audit_table

        emit_view(audit_table(page, ctx.locale), shape, ctx.locale, opts.output)


def as_json(page: AuditPage, _) -> dict:
    return {
        "total": page.total, "shown": len(page.rows), "cut": page.cut,
        "customer": page.customer, "person": page.person,
        "since": page.since.isoformat() if page.since else None,
        "events": [{"at": when_text(r.at), "who": r.who_text(_), "action": r.action, "what": r.action_text(_),
                    "customer": r.customer,
                    "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in r.changes]}
                   for r in page.rows],
    }


def render(page: AuditPage, _) -> str:
    if not page.rows:
        return _(N_("No audit events match."))
    lines = [text_table([_(h) for h in HEADERS], [cells(r, _) for r in page.rows])]
    if page.cut:
        lines.append(_(N_("Showing the {shown} newest of {total} events: use --limit or since:YYYY-MM-DD for more."),
                       shown=len(page.rows), total=page.total))
    return "\n".join(lines)
