""""Download CSV" / "Download XLSX" for the tables of an answer (issue 17, item 8).

A table's buttons carry the format in their action id (``<ActionId>:csv`` or ``:xlsx``)
and what to rebuild in their value. Pressing one rebuilds the whole table as the person
who pressed it (today's role and customer scope), writes it with
``partnerhub_core.reports.tables`` and sends it through the same private-files path as
every other file (``bot/files.py``: the person's DM, or the channel when shared on
purpose). An empty table says "no rows" and attaches nothing.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot import fairuse
from bot.context import Ctx
from bot.files import UNREACHABLE, cannot_post_files, files_channel, slack_error
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_, format_number
from partnerhub_core.reports.tables import FORMATS, Table, export_table, table_file_name

STALE = N_("That button is out of date; run the command again.")


def action_pattern(action_id: str) -> re.Pattern:
    """What a table's download buttons are registered on: ``<action_id>:csv|xlsx``."""
    return re.compile(rf"^{re.escape(str(action_id))}:({'|'.join(FORMATS)})$")


def file_format(action: dict) -> str:
    """"csv" or "xlsx", from the pressed button's action id."""
    fmt = str(action.get("action_id") or "").rpartition(":")[2]
    if fmt not in FORMATS:
        raise BadInput(STALE)
    return fmt


def send_table(ctx: Ctx, build: Callable[[], Table], fmt: str) -> dict | None:
    """Build the table and send it as a file; None when it went, else the answer to show
    ("no rows", or why Slack would not take the file). Counts against fair use."""
    if fmt not in FORMATS:
        raise BadInput(STALE)
    fairuse.expensive(ctx)
    with fairuse.report_slot(ctx.settings, ctx.partner_id):
        table = build()
        if table.empty:
            return ctx.render("notice.json.j2", text=ctx._("{title}: no rows, so no file.", title=table.title))
        data = export_table(table, fmt, ctx.locale)
    try:
        ctx.client.files_upload_v2(channel=files_channel(ctx), content=data,
                                   filename=table_file_name(table.title, ctx.as_of, fmt), title=table.title,
                                   initial_comment=ctx._("{title} — {rows} rows", title=table.title,
                                                         rows=format_number(len(table.rows), ctx.locale)))
    except SlackApiError as exc:
        if slack_error(exc) in UNREACHABLE:
            return cannot_post_files(ctx)
        raise
    return None
