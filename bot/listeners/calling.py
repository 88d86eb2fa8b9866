"""/partnerhub calling usage|quality|features|queues — Webex Calling analytics (F16–F19).

    calling [usage|quality|features|queues] [US|CA|EU|UAE|region:..] [tag:<tag>]

Each view shows the last completed week's KPIs and the first rows of its table, uploads
its trend chart(s) as PNG next to the answer (``files_upload_v2``), and carries a
"Download CSV" button for the whole table and buttons for the other views; the quality
view's table by endpoint type has its own CSV and XLSX buttons (bot/table_files.py).
Scoped to the customers the caller can see.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot import values
from bot.commands import subcommand
from bot.context import Ctx, on_action
from bot.files import UNREACHABLE, files_channel, slack_error, upload_section, upload_section_csv
from bot.ids import ActionId
from bot.table_files import action_pattern, file_format, send_table
from partnerhub_core import auth, charts
from partnerhub_core.analytics.calling import CALLING_SECTIONS, CallingSection, calling_regions
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_, words
from partnerhub_core.i18n.glossary import region_label
from partnerhub_core.reports.tables import Table
from partnerhub_core.reports.views import endpoint_table
from partnerhub_core.unknown import note_lines

ROWS_SHOWN = 10
VIEW_NAMES = {  # button labels (msgids)
    "usage": N_("Call usage"),
    "quality": N_("Call quality"),
    "features": N_("Advanced features"),
    "queues": N_("Call queues"),
}
USAGE = N_("Usage: /partnerhub calling [usage|quality|features|queues] [US|CA|EU|UAE] [tag:<tag>]")


@dataclass(frozen=True)
class CallingQuery:
    key: str
    region: str | None = None
    tag: str | None = None

    def value(self) -> str:
        return json.dumps({"k": self.key, "r": self.region, "t": self.tag}, ensure_ascii=False,
                          separators=(",", ":"))

    @classmethod
    def from_value(cls, raw: str | None) -> "CallingQuery":
        try:
            data = json.loads(raw or "")
            if data["k"] not in CALLING_SECTIONS:
                raise ValueError(data["k"])
            return cls(data["k"], *(values.optional_text(data.get(k), 200) for k in ("r", "t")))
        except (ValueError, KeyError, TypeError):
            raise BadInput(N_("That button is out of date; run the command again.")) from None


def region_word(word: str) -> str | None:
    """"EU", "region:eu", "região:Europa", "Unión Europea" -> "EU" (i18n.words); anything else None."""
    name, colon, value = word.partition(":")
    if colon and words.canonical("filter_key", name) != "region":
        return None
    return words.canonical("region", value if colon else word)


def parse(args: list[str]) -> CallingQuery:
    key, region, tag = "usage", None, None
    for i, word in enumerate(args):
        section = words.canonical("calling_section", word)  # "qualidade", "colas" too
        name, colon, value = word.partition(":")
        if i == 0 and section in CALLING_SECTIONS:
            key = section
        elif region is None and region_word(word):
            region = region_word(word)
        elif colon and words.canonical("filter_key", name) == "tag" and tag is None and value.strip():
            tag = value.strip()[:200]
        else:
            raise BadInput(USAGE)
    return CallingQuery(key, region, tag)


def compute(ctx: Ctx, query: CallingQuery) -> CallingSection:
    scope = auth.visible_customer_ids(ctx.session, ctx.actor)
    return CALLING_SECTIONS[query.key](session=ctx.session, partner_id=ctx.partner_id, as_of=ctx.as_of,
                                       settings=ctx.settings, region=query.region, tag=query.tag,
                                       customer_ids=scope)


def _columns(ctx: Ctx, columns) -> list[dict]:
    return [{"key": c.key, "label": ctx._(c.label), "kind": c.kind} for c in columns or []]


def _kpi_hint(ctx: Ctx, k) -> str:
    if not k.hint:
        return ""
    text = ctx._(k.hint)
    try:
        return text.format(**k.hint_params)
    except (KeyError, IndexError, ValueError):
        return text


def upload_charts(ctx: Ctx, section: CallingSection | None, made: list | None = None) -> tuple[list[str], str | None]:
    """Upload the view's PNG charts (``made``, else the calling section's) to where this
    request's files go: (titles uploaded, problem text)."""
    made = charts.calling_charts(section, ctx.locale) if made is None else made
    if not made:
        return [], None
    if not ctx.channel_id:  # run without Slack (the demo, bot.offline): nowhere to send them
        return [], ctx._("Charts are attached only in a conversation.")
    try:
        ctx.client.files_upload_v2(
            channel=files_channel(ctx),
            file_uploads=[{"content": c.png, "filename": c.name, "title": c.title} for c in made],
        )
    except SlackApiError as exc:
        if slack_error(exc) in UNREACHABLE:
            return [], ctx._("I cannot post the charts in this conversation; invite me to it (/invite @Partner Hub).")
        raise
    return [c.title for c in made], None


def show(ctx: Ctx, query: CallingQuery, *, with_charts: bool = True) -> dict:
    section = compute(ctx, query)
    rows = section.rows()
    uploaded, problem = upload_charts(ctx, section) if with_charts else ([], None)
    breakdown = None
    if section.breakdown is not None and section.breakdown_columns:
        cols = section.breakdown_columns
        breakdown_rows = section.to_dict()["breakdown"]["rows"]
        for row in breakdown_rows:  # endpoint names are msgids (ENDPOINT_LABELS), as in its file
            if isinstance(row.get("endpoint"), str):
                row["endpoint"] = ctx._(row["endpoint"])
        breakdown = {"title": ctx._(N_("By endpoint type")), "columns": _columns(ctx, cols), "rows": breakdown_rows}
    others = [CallingQuery(k, query.region, query.tag) for k in CALLING_SECTIONS if k != query.key]
    buttons = [{"text": ctx._(VIEW_NAMES[q.key]), "value": q.value()} for q in others]
    if query.region is None:  # a region choice only when the calling data spans several (F8)
        regions = calling_regions(ctx.session, partner_id=ctx.partner_id,
                                  customer_ids=auth.visible_customer_ids(ctx.session, ctx.actor))
        if len(regions) > 1:
            buttons += [{"text": ctx._("Only {region}", region=region_label(r, ctx.locale)),
                         "value": CallingQuery(query.key, r, query.tag).value()} for r in regions]
    return ctx.render(
        "calling_section.json.j2",
        title=section.heading(ctx._),
        week_ending=section.week_ending,
        query=query,
        kpis=[{"label": ctx._(k.label), "value": k.value, "kind": k.kind, "hint": _kpi_hint(ctx, k)}
              for k in section.kpis],
        columns=_columns(ctx, section.columns),
        rows=rows[:ROWS_SHOWN],
        total_rows=len(rows),
        breakdown=breakdown,
        csv_value=query.value(),
        charts=uploaded,
        chart_problem=problem,
        others=buttons,
        notes=note_lines(section.notes, ctx._, ctx.locale),  # unknown figures: which source, how to connect
    )


def download(ctx: Ctx, action: dict) -> dict | None:
    """Upload the whole table of the clicked calling view as CSV (F30)."""
    query = CallingQuery.from_value(action.get("value"))
    return upload_section_csv(ctx, lambda: compute(ctx, query))


def download_xlsx(ctx: Ctx, action: dict) -> dict | None:
    """The same whole table as XLSX (numbers and dates typed), to the person's DM."""
    query = CallingQuery.from_value(action.get("value"))
    return upload_section(ctx, lambda: compute(ctx, query), "xlsx")


def download_endpoints(ctx: Ctx, action: dict) -> dict | None:
    """The quality view's table by endpoint type as CSV or XLSX, to the person's DM."""
    fmt = file_format(action)
    query = CallingQuery.from_value(action.get("value"))

    def build() -> Table:
        section = compute(ctx, query)
        table = endpoint_table(section, ctx.locale)
        return table if table is not None else Table(section.heading(ctx._), [], [])

    return send_table(ctx, build, fmt)


def on_view(ctx: Ctx, action: dict) -> dict:
    message = show(ctx, CallingQuery.from_value(action.get("value")))
    message["replace_original"] = True
    return message


def calling_command(ctx: Ctx, args: list[str]) -> dict:
    return show(ctx, parse(args))


def register(app: AsyncApp) -> None:
    subcommand(app, "calling", aliases=("call", "chamadas", "llamadas"),
               usage=N_("calling [usage|quality|features|queues] [US|CA|EU|UAE] [tag:..]"),
               help=N_("Webex Calling: usage, quality, advanced features and call queues, with charts."),
               group=N_("Analytics"))(calling_command)
    on_action(app, ActionId.CALLING_DOWNLOAD_CSV, download)
    on_action(app, ActionId.CALLING_DOWNLOAD_XLSX, download_xlsx)
    on_action(app, ActionId.CALLING_VIEW, on_view)
    on_action(app, action_pattern(ActionId.CALLING_ENDPOINTS_FILE), download_endpoints)
