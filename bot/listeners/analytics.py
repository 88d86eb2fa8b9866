"""/partnerhub kpis and the subscription analytics sections (SPEC F9–F15, F30).

    kpis [meetings|calling] [region:EU] [tag:"Key accounts"]
    recent | expiring | renewing | low | overage | trend  [meetings|calling] [region:..] [tag:..]

Each section shows its KPIs and the first rows of its table, with a "Download CSV" button
that uploads the whole table (``reports.section_csv``) with ``files_upload_v2``, and
buttons to switch product and open the other sections. Everything is scoped to the
customers the caller can see.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from slack_bolt.async_app import AsyncApp

from bot import values
from bot.commands import subcommand
from bot.context import Ctx, on_action
from bot.files import upload_section, upload_section_csv
from bot.ids import ActionId
from partnerhub_core import auth, charts
from partnerhub_core.analytics import subscriptions
from partnerhub_core.analytics.hints import kpi_hint
from partnerhub_core.analytics.common import Section
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_, words
from partnerhub_core.i18n.glossary import region_label
from partnerhub_core.unknown import note_lines

ROWS_SHOWN = 10
SECTION_KEYS = ("recent", "expiring", "renewing", "low", "overage")
SECTION_NAMES = {  # button labels (msgids)
    "recent": N_("Recently added"),
    "expiring": N_("Expiring"),
    "renewing": N_("Renewing"),
    "low": N_("Low assignment"),
    "overage": N_("Overage"),
    "trend": N_("Trend"),
}
UNDERSTOOD = N_("I did not understand “{arg}”. Usage: /partnerhub {word} [meetings|calling] "
                "[region:US|CA|EU|UAE] [tag:<tag>]")


@dataclass(frozen=True)
class Query:
    key: str  # "kpis", a SECTION_KEYS member or "trend"
    product: str | None = None
    region: str | None = None
    tag: str | None = None

    def value(self) -> str:
        """A button value that brings the same view back."""
        return json.dumps({"k": self.key, "p": self.product, "r": self.region, "t": self.tag},
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_value(cls, raw: str | None) -> "Query":
        try:
            data = json.loads(raw or "")
            key = str(data["k"])
            if key not in ("kpis", "trend", *SECTION_KEYS):
                raise ValueError(key)
            # Each filter a short string or absent: {"p": 5} is not a button we wrote.
            return cls(key, *(values.optional_text(data.get(k), 200) for k in ("p", "r", "t")))
        except (ValueError, KeyError, TypeError):
            raise BadInput(N_("That button is out of date; run the command again.")) from None


FLAGS = {"--product": "product:", "--region": "region:", "--tag": "tag:"}  # the CLI's spelling


def _words(args: list[str]) -> list[str]:
    """``--region MARS`` / ``--region=MARS`` as ``region:MARS``: people type the CLI's flags."""
    out, i = [], 0
    while i < len(args):
        flag, eq, inline = args[i].partition("=")
        prefix = FLAGS.get(flag.casefold())
        if prefix is None:
            out.append(args[i])
        elif eq:
            out.append(prefix + inline)
        else:
            out.append(prefix + (args[i + 1] if i + 1 < len(args) else ""))
            i += 1
        i += 1
    return out


def parse(key: str, args: list[str]) -> Query:
    """The filters of a section command; a wrong word is named in the error (the same
    messages as the CLI's: "Unknown product teams: use meetings or calling.")."""
    product = region = tag = None
    for word in _words(args):
        name, colon, value = word.partition(":")
        # Keys and values in the reader's words too ("região:Europa", "chamadas"): i18n.words.
        field = words.canonical("filter_key", name) if colon else None
        if field == "product" and product is None:
            product = subscriptions.check_product(value)
        elif not colon and product is None and words.canonical("product", word) in subscriptions.PRODUCTS:
            product = words.canonical("product", word)
        elif field == "region" and region is None:
            region = subscriptions.check_region(value)
        elif field == "tag" and tag is None and value.strip():
            tag = value.strip()[:200]
        elif product is None and re.fullmatch(r"\w{2,30}", word):  # a product that isn't one
            subscriptions.check_product(word)
        else:
            raise BadInput(UNDERSTOOD, arg=word[:40], word=key)
    if key != "kpis" and product is None:
        product = "meetings"
    return Query(key, product, region, tag)


def compute(ctx: Ctx, query: Query) -> Section:
    scope = auth.visible_customer_ids(ctx.session, ctx.actor)
    kw = dict(session=ctx.session, partner_id=ctx.partner_id, as_of=ctx.as_of, settings=ctx.settings,
              region=query.region, tag=query.tag, customer_ids=scope)
    if query.key == "kpis":
        return subscriptions.headline_kpis(product=query.product, **kw)
    if query.key == "trend":
        return subscriptions.license_trend(product=query.product, **kw)
    return subscriptions.SECTIONS[query.key](product=query.product, **kw)


def show(ctx: Ctx, query: Query) -> dict:
    section = compute(ctx, query)
    # Only the first rows are shown: turning the whole table into dicts (20,000 customers'
    # expiring lines) cost ~0.1 s of CPU per section answer.
    total_rows = len(section.table)
    rows = replace(section, table=section.table.head(ROWS_SHOWN)).rows()
    uploaded, problem = [], None
    if query.key == "trend":  # the licence trend reads faster as a chart, sent with the answer
        from bot.listeners.calling import upload_charts

        chart = charts.license_trend_chart(section, ctx.locale)
        uploaded, problem = upload_charts(ctx, None, [chart] if chart else [])
    columns = [{"key": c.key, "label": ctx._(c.label), "kind": c.kind} for c in section.columns]
    kpis = [{"label": ctx._(k.label), "value": k.value, "kind": k.kind,
             "hint": kpi_hint(k, ctx._, ctx.locale)} for k in section.kpis]
    switch = [Query(query.key, p, query.region, query.tag) for p in subscriptions.PRODUCTS if p != query.product]
    others = [Query(k, query.product or "meetings", query.region, query.tag)
              for k in (*SECTION_KEYS, "trend") if k != query.key]
    # A region choice only when the caller's customers live in more than one region.
    regions = auth.visible_regions(ctx.session, ctx.actor)
    region_buttons = []
    if len(regions) > 1:
        if query.region:
            region_buttons.append({"text": ctx._("All regions"), "value": Query(query.key, query.product, None,
                                                                                 query.tag).value()})
        region_buttons += [{"text": region_label(r, ctx.locale),
                            "value": Query(query.key, query.product, r, query.tag).value()}
                           for r in regions if r != query.region]
    return ctx.render(
        "analytics_section.json.j2",
        title=section.heading(ctx._),
        query=query,
        kpis=kpis,
        columns=columns,
        rows=rows,
        total_rows=total_rows,
        as_of=section.as_of or ctx.as_of,
        csv_value=query.value() if columns else None,
        switch=[{"product": q.product, "value": q.value()} for q in switch],
        others=[{"text": ctx._(SECTION_NAMES[q.key]), "value": q.value()} for q in others],
        regions=region_buttons,
        notes=note_lines(section.notes, ctx._, ctx.locale),  # unknown figures: which source, how to connect
        charts=uploaded,
        chart_problem=problem,
    )


def download(ctx: Ctx, action: dict) -> dict | None:
    """Upload the whole table of the clicked section as CSV to the conversation."""
    query = Query.from_value(action.get("value"))
    return upload_section_csv(ctx, lambda: compute(ctx, query))


def download_xlsx(ctx: Ctx, action: dict) -> dict | None:
    """The same whole table as XLSX (numbers and dates typed), to the person's DM."""
    query = Query.from_value(action.get("value"))
    return upload_section(ctx, lambda: compute(ctx, query), "xlsx")


def on_view(ctx: Ctx, action: dict) -> dict:
    message = show(ctx, Query.from_value(action.get("value")))
    message["replace_original"] = True
    return message


def on_open_section(ctx: Ctx, action: dict) -> dict:
    """App Home buttons send a bare section key (``recent``) or ``kpis``."""
    raw = (action.get("value") or "").strip()
    if raw.startswith("{"):
        return show(ctx, Query.from_value(raw))
    parts = raw.split()
    key = parts[0] if parts else "kpis"
    if key not in ("kpis", "trend", *SECTION_KEYS):
        raise BadInput(N_("That button is out of date; run the command again."))
    return show(ctx, parse(key, parts[1:]))


def _command(key: str):
    def run(ctx: Ctx, args: list[str]) -> dict:
        return show(ctx, parse(key, args))

    run.__name__ = f"analytics_{key}"
    return run


COMMANDS = {
    "kpis": (("kpi",), N_("kpis [meetings|calling] [region:..] [tag:..]"),
             N_("Headline KPIs: customers, expiring, renewing, low assignment, overage.")),
    "recent": (("recently-added",), N_("recent [meetings|calling] [region:..] [tag:..]"),
               N_("Subscriptions and trials added in the last 90 days.")),
    "expiring": ((), N_("expiring [meetings|calling] [region:..] [tag:..]"),
                 N_("Subscriptions and trials ending in the next 90 days.")),
    "renewing": ((), N_("renewing [meetings|calling] [region:..] [tag:..]"),
                 N_("Subscriptions auto-renewing in the next 90 days.")),
    "low": (("low-assignment",), N_("low [meetings|calling] [region:..] [tag:..]"),
            N_("Customers that assigned far fewer licenses than the others.")),
    "overage": (("over",), N_("overage [meetings|calling] [region:..] [tag:..]"),
                N_("Subscriptions with more licenses assigned than purchased.")),
    "trend": ((), N_("trend [meetings|calling] [region:..] [tag:..]"),
              N_("Licenses total, assigned and used, week by week.")),
}


def register(app: AsyncApp) -> None:
    for key, (aliases, usage, help_text) in COMMANDS.items():
        taken = {words.fold(w) for w in (key, *aliases)}
        typed = [w for w in words.typed_forms("section", key) if words.fold(w) not in taken] if key != "kpis" else []
        subcommand(app, key, aliases=(*aliases, *typed), usage=usage, help=help_text,
                   group=N_("Analytics"))(_command(key))
    on_action(app, re.compile(rf"^{ActionId.ANALYTICS_DOWNLOAD_CSV}(:.*)?$"), download)
    on_action(app, re.compile(rf"^{ActionId.ANALYTICS_DOWNLOAD_XLSX}(:.*)?$"), download_xlsx)
    on_action(app, re.compile(rf"^{ActionId.ANALYTICS_VIEW}(:.*)?$"), on_view)
    on_action(app, ActionId.OPEN_SECTION, on_open_section)
