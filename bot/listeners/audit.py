"""/partnerhub audit [customer|person] [since:YYYY-MM-DD] — who changed what, and when.

Thin: partnerhub_core/audit_view.py reads and scopes the trail (full admins the whole
trail; the other roles their customers' events and their own changes). The answer shows
the newest events; "Download CSV" sends up to 5,000 of them to the person's DM with the
bot (bot/files.py), like every other table.
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot import fairuse
from bot.commands import split_words, subcommand
from bot.context import Ctx, on_action
from bot.files import UNREACHABLE, cannot_post_files, files_channel, slack_error
from bot.ids import ActionId
from partnerhub_core import reports
from partnerhub_core.audit_view import MAX_LIMIT, AuditPage, AuditQuery, cells, read_trail, trail_csv
from partnerhub_core.i18n import N_

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


def download(ctx: Ctx, action: dict) -> dict | None:
    """The whole (filtered) trail as CSV, to the person's DM; nothing attached when empty."""
    fairuse.expensive(ctx)
    page = read(ctx, split_words(action.get("value") or ""), MAX_LIMIT)
    if not page.rows:
        return ctx.render("notice.json.j2", text=ctx._("No audit events match: no rows, so no file."))
    title = ctx._("Audit trail")
    try:
        ctx.client.files_upload_v2(channel=files_channel(ctx), content=trail_csv(page, ctx.locale),
                                   filename=reports.file_name(title, ctx.as_of), title=title,
                                   initial_comment=ctx._("{title} — {rows} rows", title=title, rows=len(page.rows)))
    except SlackApiError as exc:
        if slack_error(exc) in UNREACHABLE:
            return cannot_post_files(ctx)
        raise
    return None


def register(app: AsyncApp) -> None:
    subcommand(app, "audit", usage=N_("audit [customer|person] [since:YYYY-MM-DD]"),
               help=N_("Who changed what, and when: the audit trail, newest first."),
               group=N_("Customers"))(audit_command)
    on_action(app, ActionId.AUDIT_DOWNLOAD_CSV, download)
