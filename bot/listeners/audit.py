"""/partnerhub audit [customer|person] [since:YYYY-MM-DD] — who changed what, and when.

Thin: partnerhub_core/audit_view.py reads and scopes the trail (full admins the whole
trail; the other roles their customers' events and their own changes). The answer shows
the newest events; "Download CSV" / "Download XLSX" send up to 5,000 of them to the
person's DM with the bot (bot/table_files.py), like every other table.
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.commands import split_words, subcommand
from bot.context import Ctx, on_action
from bot.ids import ActionId
from bot.table_files import action_pattern, file_format, send_table
from partnerhub_core.audit_view import MAX_LIMIT, AuditPage, AuditQuery, cells, read_trail
from partnerhub_core.i18n import N_
from partnerhub_core.reports.views import audit_table

SHOWN = 20  # rows in the chat answer; the CSV has the rest


def read(ctx: Ctx, args: list[str], limit: int) -> AuditPage:
    return read_trail(session=ctx.session, actor=ctx.actor, query=AuditQuery.parse(args), as_of=ctx.as_of,
                      settings=ctx.settings, limit=limit)


def audit_command(ctx: Ctx, args: list[str]) -> dict:
    page = read(ctx, args, SHOWN)
    rows = [dict(zip(("when", "who", "what", "customer", "change"), cells(r, ctx._))) for r in page.rows]
    for row in rows:
        row["customer"] = "" if row["customer"] == "—" else row["customer"]
        row["change"] = "" if row["change"] == "—" else row["change"]
    filters = []
    if page.customer:
        filters.append(ctx._("Customer: {name}", name=page.customer))
    if page.person:
        filters.append(ctx._("Changes by {name}", name=page.person))
    if page.since:
        filters.append(ctx._("Since {day}", day=page.since.isoformat()))
    return ctx.render("audit.json.j2", rows=rows, total=page.total, filters=filters, whole_trail=page.whole_trail,
                      csv_value=" ".join(args))


def download(ctx: Ctx, action: dict, fmt: str | None = None) -> dict | None:
    """The whole (filtered) trail as CSV or XLSX, to the person's DM; "no rows" and nothing
    attached when empty. (``ph_audit_csv`` buttons already posted still send the CSV.)"""
    fmt = fmt or file_format(action)
    words = split_words(action.get("value") or "")
    return send_table(ctx, lambda: audit_table(read(ctx, words, MAX_LIMIT), ctx.locale), fmt)


def download_csv(ctx: Ctx, action: dict) -> dict | None:
    return download(ctx, action, "csv")


def register(app: AsyncApp) -> None:
    subcommand(app, "audit", usage=N_("audit [customer|person] [since:YYYY-MM-DD]"),
               help=N_("Who changed what, and when: the audit trail, newest first."),
               group=N_("Customers"))(audit_command)
    on_action(app, ActionId.AUDIT_DOWNLOAD_CSV, download_csv)
    on_action(app, action_pattern(ActionId.AUDIT_FILE), download)
