"""Files the bot attaches to an answer: the CSV behind a table (F30), charts, reports, and
what to say when Slack will not take a file there.

Answers are private, and so are their files: they go to the person's DM with the bot
(``conversations.open`` with the person's user id answers with that DM's id), and the
answer says so. Only a "Share in channel" press (``bot/listeners/share.py``) re-runs the
command with ``ctx.shared`` set, and then the files go to the channel."""
from __future__ import annotations

from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot import fairuse
from bot.context import Ctx
from partnerhub_core import reports
from partnerhub_core.i18n import format_number
from partnerhub_core.analytics.common import Section

# Slack's answers that mean "not in this conversation", not "try again".
UNREACHABLE = ("not_in_channel", "channel_not_found", "is_archived", "access_denied")


def slack_error(exc: SlackApiError) -> str | None:
    return (exc.response or {}).get("error") if exc.response is not None else None


def cannot_post_files(ctx: Ctx, *, rerun_report: bool = False) -> dict:
    """The polite answer when Slack refuses a file here (the bot is not in the channel)."""
    if rerun_report:
        text = ctx._("I cannot post files in this conversation. Invite me to it (/invite @Partner Hub) or use a "
                     "direct message with me, then run the report again.")
    else:
        text = ctx._("I cannot post files in this conversation. Invite me to it (/invite @Partner Hub) or use a "
                     "direct message with me, then press the button again.")
    return ctx.render("notice.json.j2", level="error", text=text)


def files_channel(ctx: Ctx) -> str:
    """Where this request's files go: the channel when the person shares on purpose, else
    their DM with the bot. The first time a DM other than the request's own conversation
    is used, the answer gets a note saying where the files are."""
    if ctx.shared and ctx.channel_id:
        return ctx.channel_id
    if ctx.files_dm is None:
        dm = ctx.client.conversations_open(users=ctx.user_id)["channel"]["id"]
        ctx.files_dm = dm
        if dm != ctx.channel_id:
            # An after-commit note is what every kind of reply (command or button) shows last.
            note = ctx._("I sent the files to our direct message, so only you see them.")
            ctx.after_commit(lambda _session_factory: note)
    return ctx.files_dm


def upload_section_csv(ctx: Ctx, compute: Callable[[], Section]) -> dict | None:
    """Upload the whole table of a section as CSV, named as F21 says; None when it went
    up, else the message to show ("no rows": nothing is attached). Counts against the
    fair-use limits."""
    return upload_section(ctx, compute, "csv")


def upload_section(ctx: Ctx, compute: Callable[[], Section], fmt: str) -> dict | None:
    """``upload_section_csv``, as ``fmt`` "csv" (``reports.section_csv``) or "xlsx" (the same
    table through ``reports.tables``: numbers and dates typed, text never a formula)."""
    from partnerhub_core.reports.tables import from_section, table_file_name, table_xlsx

    fairuse.expensive(ctx)
    with fairuse.report_slot(ctx.settings, ctx.partner_id):
        section = compute()
        title = section.heading(ctx._)
        if section.table is None or not len(section.table):
            return ctx.render("notice.json.j2", text=ctx._("{title}: no rows, so no file.", title=title))
        if fmt == "xlsx":
            data, filename = table_xlsx(from_section(section, ctx.locale), ctx.locale), table_file_name(
                title, ctx.as_of, "xlsx")
        else:
            data, filename = reports.section_csv(section, ctx.locale), reports.file_name(title, ctx.as_of)
    try:
        ctx.client.files_upload_v2(channel=files_channel(ctx), content=data, filename=filename,
                                   title=title, initial_comment=ctx._("{title} — {rows} rows", title=title,
                                                                      rows=format_number(len(section.table),
                                                                                         ctx.locale)))
    except SlackApiError as exc:
        if slack_error(exc) in UNREACHABLE:
            return cannot_post_files(ctx)
        raise
    return None
