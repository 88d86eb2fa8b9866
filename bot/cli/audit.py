"""``partnerhub audit [FILTERS]`` — the audit trail, newest first: text by default, or
``--format json|csv|xlsx`` (``--json``; CSV on stdout, or either into ``--output FILE``); ``--csv`` still
writes a dated CSV file into ``--out``. The CLI acts as the partner's operator, so it
reads the partner's whole trail (Slack scopes it by role: docs/rules.md, "Audit trail")."""
from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.common import echo_json
from bot.cli.options import FORMAT_OPT
from bot.cli.output import JSON, OUTPUT_OPT, TABLE, emit_view, output_format
from bot.cli.tables import AS_OF_OPT, DB_OPT, JSON_OPT, LANG_OPT, PARTNER_OPT, read_context, text_table
from partnerhub_core.audit_view import HEADERS, AuditPage, AuditQuery, cells, read_trail, trail_csv, when_text
from partnerhub_core.auth import Actor
from partnerhub_core.i18n import N_


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)


def audit(
    filters: list[str] = typer.Argument(None, help="A customer (name or org id) or a person (name or email), "
                                                   "customer:NAME, person:NAME, since:YYYY-MM-DD."),
    limit: int = typer.Option(50, "--limit", min=1, max=5000, help="At most this many events, newest first."),
    csv: bool = typer.Option(False, "--csv", help="Write the events as a dated CSV file (UTF-8 with BOM) into --out "
                             "and print its path."),
    out: Path = typer.Option(Path("."), "--out", help="Folder to write the --csv file into."),
    partner: int = PARTNER_OPT,
    as_of: str = AS_OF_OPT,
    database_url: str = DB_OPT,
    json_out: bool = JSON_OPT,
    fmt: str = FORMAT_OPT,
    output: Path = OUTPUT_OPT,
    lang: str = LANG_OPT,
) -> None:
    """Who changed what, and when: the audit trail, newest first."""
    shape = output_format(fmt, json_out, output)
    query = AuditQuery.parse(list(filters or []))
    ctx = read_context(partner, as_of, database_url, lang)
    with ctx.session() as session:
        page = read_trail(session=session, actor=Actor.system(ctx.partner_id, label="cli"), query=query,
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

        emit_view(audit_table(page, ctx.locale), shape, ctx.locale, output)


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
