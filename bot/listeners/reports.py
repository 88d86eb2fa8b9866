"""/partnerhub report … — run a report now and upload its CSV to the conversation (F20–F25).

    report                                     the list of reports, as buttons
    report save "<name>" <report> [columns:a,b] [US|CA|EU|UAE] [tag:<tag>]   a custom template
    report delete "<name>"
    report call-usage|devices|numbers|<custom template name> [US|CA|EU|UAE]
           [YYYY-MM-DD..YYYY-MM-DD]            (dates: call usage only; default last week)

The CSV is streamed into a temporary file (memory stays flat while it is built) and
uploaded with ``files_upload_v2``; its name follows F21. When the report's data spans
more than one region and none was chosen, the answer offers one button per region (F22).
A "Download XLSX" button (issue 17, item 6) runs the same report again, with the same
dates and region, as XLSX (``reports.write_report(fmt="xlsx")``), as the person who
presses it, and sends it through the same private-files path (their DM).
"""
from __future__ import annotations

import json
import os
import tempfile
from datetime import date

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot import fairuse, values
from bot.commands import subcommand
from bot.context import Ctx, on_action
from bot.ids import ActionId
from bot.files import UNREACHABLE, cannot_post_files, files_channel, slack_error
from bot.listeners.calling import region_word
from bot.table_files import action_pattern, file_format
from partnerhub_core import auth, reports
from partnerhub_core.auth import Permission
from partnerhub_core.errors import BadInput, NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.i18n.glossary import region_label

USAGE = N_("Usage: /partnerhub report <call-usage|devices|numbers|template name> [US|CA|EU|UAE] "
           "[YYYY-MM-DD..YYYY-MM-DD]")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(N_("{value} is not a date: use YYYY-MM-DD."), value=text) from None


def parse(args: list[str]) -> dict:
    """Words -> {"n": report name, "r": region, "s": start, "e": end} (ISO dates or None);
    the file is CSV unless the request says {"f": "xlsx"}."""
    name_words: list[str] = []
    region = start = end = None
    for word in args:
        if ".." in word and start is None:
            first, _, last = word.partition("..")
            start, end = _day(first).isoformat(), _day(last).isoformat()
        elif region is None and region_word(word) and name_words:
            region = region_word(word)
        else:
            name_words.append(word)
    return {"n": " ".join(name_words), "r": region, "s": start, "e": end}


def report_list(ctx: Ctx) -> dict:
    defaults = [{"text": ctx._(d.name), "value": json.dumps({"n": key})} for key, d in reports.REPORTS.items()]
    custom = [{"text": t.name, "value": json.dumps({"n": f"template:{t.id}"})}
              for t in reports.list_templates(session=ctx.session, partner_id=ctx.partner_id)]
    return ctx.render("report_done.json.j2", report_name=None, filename="", start=None, end=None, region=None,
                      note=None, reports=defaults + custom)


def run(ctx: Ctx, request: dict) -> dict | None:
    auth.require(ctx.actor, Permission.RUN_REPORTS)
    if not request.get("n"):
        return report_list(ctx)
    resolved = reports.resolve_report(ctx.session, ctx.partner_id, request["n"])  # NotFound lists the choices
    start = _day(request["s"]) if request.get("s") else None
    end = _day(request["e"]) if request.get("e") else None
    if resolved.definition.dated and start is None and end is None:
        start, end = reports.default_range(ctx.as_of)
    fmt = request.get("f") or "csv"
    if fmt not in reports.FORMATS:
        raise BadInput(values.STALE)
    fairuse.expensive(ctx)
    handle, path = tempfile.mkstemp(prefix="partnerhub-report-", suffix="." + fmt)
    try:
        with fairuse.report_slot(ctx.settings, ctx.partner_id), os.fdopen(handle, "wb") as out:
            written = reports.write_report(
                session=ctx.session, partner_id=ctx.partner_id, report=request["n"], as_of=ctx.as_of,
                region=request.get("r"), start=start, end=end, locale=ctx.locale, out=out,
                customer_ids=auth.visible_customer_ids(ctx.session, ctx.actor), fmt=fmt,
            )
        filename = written.filename
        name = resolved.name if resolved.custom else ctx._(resolved.name)
        if not written.rows:  # a header-only file says nothing: say "no rows" and attach nothing
            return ctx.render("notice.json.j2", text=ctx._("{title}: no rows, so no file.", title=name))
        try:
            ctx.client.files_upload_v2(channel=files_channel(ctx), file=path, filename=filename, title=name,
                                       initial_comment=ctx._("{report}, as of {day}", report=name,
                                                             day=ctx.as_of.isoformat()))
        except SlackApiError as exc:
            if slack_error(exc) in UNREACHABLE:
                return cannot_post_files(ctx, rerun_report=True)
            raise
    finally:
        if os.path.exists(path):
            os.unlink(path)

    region = request.get("r") or resolved.region
    offer = []
    if region is None:
        found = reports.report_regions(session=ctx.session, partner_id=ctx.partner_id, report=request["n"])
        found = [r for r in found if ctx.channel_scope is None or ctx.channel_scope.region in (None, r)]
        if len(found) > 1:
            offer = [{"text": ctx._("Only {region}", region=region_label(r, ctx.locale)),
                      "value": json.dumps({**request, "r": r}, ensure_ascii=False)} for r in found]
    xlsx_value = None
    if fmt == "csv":  # the same report, dates and region as XLSX (the dates pinned: "last week" may move)
        dated = resolved.definition.dated
        xlsx_value = json.dumps({"n": request["n"], "r": request.get("r"), "s": start.isoformat() if dated else None,
                                 "e": end.isoformat() if dated else None}, ensure_ascii=False)
    return ctx.render(
        "report_done.json.j2", report_name=name, filename=filename, xlsx_value=xlsx_value,
        start=start if resolved.definition.dated else None, end=end if resolved.definition.dated else None,
        region=region, note=ctx._(resolved.definition.note) if resolved.definition.note else None,
        region_buttons=offer,
    )


SAVE_USAGE = N_("Usage: /partnerhub report save \"<name>\" <call-usage|devices|numbers> "
                "[columns:<column>,<column>…] [US|CA|EU|UAE] [tag:<tag>]")


def save_template(ctx: Ctx, args: list[str]) -> dict:
    """``report save "Name" devices columns:Customer,MAC EU tag:Gold`` (F21 custom templates)."""
    if len(args) < 2:
        raise BadInput(SAVE_USAGE)
    name, base, rest = args[0], args[1], args[2:]
    columns: list[str] = []
    region = tag = None
    for word in rest:
        low = word.casefold()
        if low.startswith("columns:"):
            columns += [c.strip() for c in word.split(":", 1)[1].split(",") if c.strip()]
        elif low.startswith("tag:") and word[4:].strip():
            tag = word[4:].strip()[:200]
        elif region_word(word) and region is None:
            region = region_word(word)
        else:
            raise BadInput(SAVE_USAGE)
    template = reports.save_template(session=ctx.session, actor=ctx.actor, name=name, base_report=base,
                                     columns=columns, region=region, tag=tag, now=ctx.now)
    return ctx.render("notice.json.j2", text=ctx._(
        "Saved the report template {name}: run it with /partnerhub report \"{name}\".", name=template.name))


def delete_template(ctx: Ctx, args: list[str]) -> dict:
    if len(args) != 1:
        raise BadInput(N_("Usage: /partnerhub report delete \"<name>\""))
    reports.delete_template(session=ctx.session, actor=ctx.actor, name=args[0], now=ctx.now)
    return ctx.render("notice.json.j2", text=ctx._("Deleted the report template {name}.", name=args[0]))


def report_command(ctx: Ctx, args: list[str]) -> dict | None:
    if args and args[0].casefold() in ("save", "delete"):
        return (save_template if args[0].casefold() == "save" else delete_template)(ctx, args[1:])
    request = parse(args)
    if request["r"]:
        # A template may be named "Weekly EU": the whole name wins over a region word.
        whole = " ".join(w for w in args if ".." not in w)
        try:
            reports.resolve_report(ctx.session, ctx.partner_id, whole)
            request = {**request, "n": whole, "r": None}
        except NotFound:
            pass
    return run(ctx, request)


def on_run(ctx: Ctx, action: dict) -> dict | None:
    request = values.json_object(action.get("value"))
    # n: report name, r: region, s/e: start/end days, each a short string we wrote.
    request = {k: values.optional_text(request.get(k), 200) for k in ("n", "r", "s", "e", "f")}
    if not request["n"]:
        raise BadInput(values.STALE)
    return run(ctx, request)


def on_file(ctx: Ctx, action: dict) -> dict | None:
    """"Download XLSX" under a report's answer: the same request, written as XLSX."""
    fmt = file_format(action)
    return on_run(ctx, {"value": json.dumps({**values.json_object(action.get("value")), "f": fmt})})


def register(app: AsyncApp) -> None:
    subcommand(app, "report", aliases=("reports", "relatorio", "informe"),
               usage=N_("report <call-usage|devices|numbers|template> [US|CA|EU|UAE] [from..to] | "
                        "report save \"<name>\" <report> [columns:..] | report delete \"<name>\""),
               help=N_("Run a report now and get its CSV here."), group=N_("Reports"))(report_command)
    on_action(app, ActionId.REPORT_RUN, on_run)
    on_action(app, action_pattern(ActionId.REPORT_FILE), on_file)
