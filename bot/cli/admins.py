"""``partnerhub admins`` — the partner admins, their role and which customers they look
after: a table, JSON (``--json``), or the same file as Slack's Download CSV/XLSX
(``--format csv|xlsx``, built by ``reports.views.admins_table``)."""
from __future__ import annotations

import typer

from bot.cli.common import echo_json
from bot.cli.output import JSON, TABLE, ReadOptions, emit_view, read_command
from bot.cli.tables import text_table
from partnerhub_core.auth import ROLE_LABELS
from partnerhub_core.i18n import N_
from partnerhub_core.models import Role
from partnerhub_core.reports.views import ADMIN_HEADERS, admins_table
from partnerhub_core.services.admins import list_partner_admins


@read_command(as_of=False)
def admins(opts: ReadOptions) -> None:
    """Partner admins: name, email, role, and whether they see all customers or how many are assigned."""
    shape = opts.shape()
    ctx = opts.context()
    actor = opts.actor(ctx)
    with ctx.session() as session:
        if shape not in (JSON, TABLE):
            emit_view(admins_table(session=session, actor=actor, locale=ctx.locale), shape, ctx.locale, opts.output)
            return
        found = list_partner_admins(session=session, actor=actor)
    if shape == JSON:
        echo_json([{"name": a.display_name, "email": a.email, "role": a.role.value,
                    "all_customers": a.role == Role.FULL_ADMIN or a.all_customers,
                    "assigned_customers": a.customers} for a in found])
        return
    yes, no = ctx._(N_("Yes")), ctx._(N_("No"))
    rows = [[a.display_name, a.email or "—", ctx._(ROLE_LABELS.get(a.role, a.role)),
             yes if a.role == Role.FULL_ADMIN or a.all_customers else no, str(a.customers)] for a in found]
    typer.echo(text_table([ctx._(h) for h in ADMIN_HEADERS], rows, [False, False, False, False, True]))


def register(app: typer.Typer) -> None:
    app.command("admins")(admins)
