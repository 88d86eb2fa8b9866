"""``partnerhub kpis`` and ``partnerhub section NAME`` — subscription analytics as text
tables, JSON or CSV (``--format``); filters are Slack's words (``calling region:EU
tag:"At risk"``) or the older ``--product/--region/--tag`` options. ``section trend
--chart DIR`` also writes the licence-trend chart (PNG) and prints its path."""
from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.common import echo_json
from bot.cli.filters import parse_filters
from bot.cli.options import PRODUCT_OPT, REGION_OPT, TAG_OPT, filters_arg
from bot.cli.output import JSON, TABLE, ReadOptions, emit_rows, emit_section, read_command
from bot.cli.tables import render_section
from partnerhub_core.analytics import subscriptions
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_

SECTION_NAMES = {**{k: k for k in subscriptions.SECTIONS}, "trend": "trend"}


FILTER_KEYS = ("product", "region", "tag")
FILTERS = filters_arg('product:meetings|calling (or just calling), region:EU (or just EU), tag:"At risk"')


def _filters(words, product, region, tag):
    # The same checks, so the same messages, as the Slack answer (bot/listeners/analytics.py).
    return parse_filters(words, keys=FILTER_KEYS, product=product, region=region, tag=tag,
                         checks={"product": subscriptions.check_product, "region": subscriptions.check_region})


@read_command()
def kpis(
    filters: list[str] = FILTERS,
    product: str = PRODUCT_OPT,
    region: str = REGION_OPT,
    tag: str = TAG_OPT,
    *,
    opts: ReadOptions,
) -> None:
    """Headline KPIs: customers, approaching expiration, renewals, low assignment, overage.

    Both products unless one is given."""
    shape = opts.shape()
    chosen = _filters(filters, product, region, tag)
    ctx = opts.context()
    with ctx.session() as session:
        section = subscriptions.headline_kpis(session=session, partner_id=ctx.partner_id, as_of=ctx.as_of,
                                              settings=ctx.settings, product=chosen.product, region=chosen.region,
                                              tag=chosen.tag)
    if shape == JSON:
        echo_json(section.to_dict())
    elif shape == TABLE:
        typer.echo(render_section(section, ctx.locale))
    else:
        # One column a KPI, one row of figures.
        emit_rows(section.heading(ctx._), [ctx._(k.label) for k in section.kpis], [[k.value for k in section.kpis]],
                  shape, kinds=[k.kind for k in section.kpis], locale=ctx.locale, output=opts.output)


@read_command()
def section(
    name: str = typer.Argument(..., help="recent, expiring, renewing, low, overage or trend.", metavar="NAME"),
    filters: list[str] = FILTERS,
    product: str = PRODUCT_OPT,
    region: str = REGION_OPT,
    tag: str = TAG_OPT,
    limit: int = typer.Option(None, "--limit", min=1, help="Show at most this many rows (newest weeks first)."),
    chart_dir: Path = typer.Option(None, "--chart", help="trend only: also write the chart (PNG) into this folder."),
    *,
    opts: ReadOptions,
) -> None:
    """One analytics section for Meetings or Calling: recent, expiring, renewing, low or overage.

    Meetings unless calling is given; trend is the licence trend, week by week."""
    shape = opts.shape()
    from partnerhub_core.i18n import words

    key = words.canonical("section", name) or name.strip().lower()  # "vencendo", "renuevan" too
    if key not in SECTION_NAMES:
        raise BadInput(N_("Unknown section {name}: use one of {allowed}."), name=name,
                       allowed=words.Choices("section", SECTION_NAMES))
    chosen = _filters(filters, product, region, tag)
    ctx = opts.context()
    fn = subscriptions.license_trend if key == "trend" else subscriptions.SECTIONS[key]
    with ctx.session() as session:
        result = fn(session=session, partner_id=ctx.partner_id, as_of=ctx.as_of, settings=ctx.settings,
                    product=chosen.product or "meetings", region=chosen.region, tag=chosen.tag)
    written = _write_chart(result, chart_dir, ctx.locale) if key == "trend" and chart_dir is not None else None
    if shape not in (JSON, TABLE):
        emit_section(result, shape, ctx.locale, opts.output)
    elif shape == JSON:
        data = result.to_dict()
        if written is not None:
            data["chart"] = written
        echo_json(data)
    else:
        typer.echo(render_section(result, ctx.locale, limit=limit))
        if written is not None:
            typer.echo(written)


def _write_chart(section, folder: Path, locale: str) -> str | None:
    """The licence-trend PNG in ``folder``: its absolute path (None when there are no weeks)."""
    from partnerhub_core import charts  # matplotlib, only for --chart

    chart = charts.license_trend_chart(section, locale)
    if chart is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / chart.name
    path.write_bytes(chart.png)
    return str(path.resolve())


def register(app: typer.Typer) -> None:
    app.command("kpis")(kpis)
    app.command("section")(section)
