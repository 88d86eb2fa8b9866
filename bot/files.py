"""Files the bot attaches to a conversation: the CSV behind a table (F30), and what to say
when Slack will not take a file there."""
from __future__ import annotations

from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot import fairuse
from bot.context import Ctx
from partnerhub_core import reports
from partnerhub_core.analytics.common import Section
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_

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


def upload_section_csv(ctx: Ctx, compute: Callable[[], Section]) -> dict | None:
    """Upload the whole table of a section as CSV, named as F21 says; None when it went
    up, else the message to show. Counts against the fair-use limits."""
    if not ctx.channel_id:
        raise BadInput(N_("I can only attach files in a conversation; run the command in a channel or a DM."))
    fairuse.expensive(ctx)
    with fairuse.report_slot(ctx.settings, ctx.partner_id):
        section = compute()
        data = reports.section_csv(section, ctx.locale)
    title = section.heading(ctx._)
    try:
        ctx.client.files_upload_v2(channel=ctx.channel_id, content=data, filename=reports.file_name(title, ctx.as_of),
                                   title=title, initial_comment=ctx._("{title} — {rows} rows", title=title,
                                                                      rows=len(section.table)))
    except SlackApiError as exc:
        if slack_error(exc) in UNREACHABLE:
            return cannot_post_files(ctx)
        raise
    return None
