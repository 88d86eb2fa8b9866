"""``partnerhub calling usage|quality|features|queues`` — Webex Calling analytics for the
last completed week, as text tables, JSON or CSV (``--format``; CSV holds the section's
per-customer table); filters are Slack's words (``EU tag:"At risk"``) or ``--region/--tag``.
``--charts DIR`` also writes the PNG charts."""
from __future__ import annotations

from pathlib import Path

import typer

from bot.cli import click_errors
from bot.cli.common import echo_json
from bot.cli.filters import parse_filters
from bot.cli.options import REGION_OPT, TAG_OPT, filters_arg
from bot.cli.output import JSON, TABLE, ReadOptions, emit_section, emit_view, read_command
from bot.cli.tables import format_value, render_section, text_table
from partnerhub_core.analytics.calling import CALLING_SECTIONS, CallingSection
from partnerhub_core.analytics.common import FLOAT, INT, PERCENT
from partnerhub_core.i18n import N_, format_date, translations

calling_app = typer.Typer(help="Webex Calling analytics (last completed week, 8-week trends).",
                          no_args_is_help=True)


def render_calling(section: CallingSection, locale: str, limit: int | None = None) -> str:
    """The section's KPIs and table, then its weekly trend (and endpoint breakdown)."""
    _ = translations(locale).gettext
    out = [render_section(section, locale, limit=limit)]
    if section.week_ending:
        out.insert(0, _(N_("Week ending {day}")).format(day=format_date(section.week_ending, locale)))
    for frame, columns, title in (
        (section.breakdown, section.breakdown_columns, N_("By endpoint type (last week)")),
        (section.trend, section.trend_columns, N_("Last 8 weeks")),
    ):
        if frame is None or not columns:
            continue
        out += ["", _(title)]
        rows = [[_(rec[c.key]) if c.key == "endpoint" and isinstance(rec.get(c.key), str)  # msgids
                 else format_value(rec.get(c.key), c.kind, locale) for c in columns]
                for rec in frame.to_dict(orient="records")]
        out.append(text_table([_(c.label) for c in columns], rows,
                              [c.kind in (INT, PERCENT, FLOAT) for c in columns]))
    return "\n".join(out)


def _command(key: str):
    @read_command()
    def run(
        filters: list[str] = filters_arg('region:EU (or just EU), tag:"At risk"'),
        region: str = REGION_OPT,
        tag: str = TAG_OPT,
        limit: int = typer.Option(None, "--limit", min=1, help="Show at most this many rows."),
        charts_dir: Path = typer.Option(None, "--charts", help="Also write the PNG charts into this folder."),
        endpoints: bool = typer.Option(False, "--endpoints", help="quality only: with --format csv or xlsx, the "
                                       "table by endpoint type instead of the customers'."),
        *,
        opts: ReadOptions,
    ) -> None:
        shape = opts.shape()
        if endpoints and (key != "quality" or shape in (JSON, TABLE)):
            raise click_errors.UsageError("--endpoints goes with calling quality --format csv or xlsx")
        from partnerhub_core.analytics.subscriptions import check_region

        chosen = parse_filters(filters, keys=("region", "tag"), region=region, tag=tag,
                               checks={"region": check_region})
        ctx = opts.context()
        with ctx.session() as session:
            section = CALLING_SECTIONS[key](session=session, partner_id=ctx.partner_id, as_of=ctx.as_of,
                                            settings=ctx.settings, region=chosen.region, tag=chosen.tag)
        written = []
        if charts_dir is not None:
            from partnerhub_core import charts  # matplotlib, only for --charts

            charts_dir.mkdir(parents=True, exist_ok=True)
            for chart in charts.calling_charts(section, ctx.locale):
                path = charts_dir / chart.name
                path.write_bytes(chart.png)
                written.append(str(path))
        if shape not in (JSON, TABLE):
            if endpoints:
                from partnerhub_core.reports.views import endpoint_table

                emit_view(endpoint_table(section, ctx.locale), shape, ctx.locale, opts.output)
            else:
                emit_section(section, shape, ctx.locale, opts.output)
            return
        if shape == JSON:
            data = section.to_dict()
            if written:
                data["charts"] = written
            echo_json(data)
            return
        typer.echo(render_calling(section, ctx.locale, limit=limit))
        for path in written:
            typer.echo(path)

    run.__doc__ = {
        "usage": "Call volume by users over 8 weeks, and each customer's usage (falling first).",
        "quality": "Poor-quality call legs: trend, by endpoint type, customers affected.",
        "features": "Calls through call queues, hunt groups, auto attendants… (customers with queues).",
        "queues": "Call queue answer time, wait before abandoning, abandoned rate; per customer.",
    }[key]
    return run


for _key in CALLING_SECTIONS:
    calling_app.command(_key)(_command(_key))


def register(app: typer.Typer) -> None:
    app.add_typer(calling_app, name="calling")
