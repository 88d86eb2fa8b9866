"""``partnerhub kpis`` and ``partnerhub section NAME`` — subscription analytics (F9–F15)
as text tables, or JSON with ``--json``; ``section trend --chart DIR`` also writes the
licence-trend chart (PNG) and prints its path."""
from __future__ import annotations

import typer

from pathlib import Path

from bot.cli.common import echo_json
from bot.cli.tables import AS_OF_OPT, DB_OPT, JSON_OPT, LANG_OPT, PARTNER_OPT, read_context, render_section
from partnerhub_core import charts
from partnerhub_core.analytics import subscriptions
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_

SECTION_NAMES = {**{k: k for k in subscriptions.SECTIONS}, "trend": "trend"}


def kpis(
    product: str = typer.Option(None, "--product", help="meetings or calling (default: both)."),
    region: str = typer.Option(None, "--region", help="US, CA, EU or UAE."),
    tag: str = typer.Option(None, "--tag", help="Only customers with this tag."),
    partner: int = PARTNER_OPT,
    as_of: str = AS_OF_OPT,
    database_url: str = DB_OPT,
    json_out: bool = JSON_OPT,
    lang: str = LANG_OPT,
) -> None:
    """Headline KPIs: customers, approaching expiration, renewals, low assignment, overage."""
    ctx = read_context(partner, as_of, database_url, lang)
    with ctx.session() as session:
        section = subscriptions.headline_kpis(session=session, partner_id=ctx.partner_id, as_of=ctx.as_of,
                                              settings=ctx.settings, product=product, region=region, tag=tag)
    if json_out:
        echo_json(section.to_dict())
    else:
        typer.echo(render_section(section, ctx.locale))


def section(
    name: str = typer.Argument(..., help="recent, expiring, renewing, low, overage or trend."),
    product: str = typer.Option("meetings", "--product", help="meetings or calling."),
    region: str = typer.Option(None, "--region", help="US, CA, EU or UAE."),
    tag: str = typer.Option(None, "--tag", help="Only customers with this tag."),
    limit: int = typer.Option(None, "--limit", min=1, help="Show at most this many rows (newest weeks first)."),
    chart_dir: Path = typer.Option(None, "--chart", help="trend only: also write the chart (PNG) into this folder."),
    partner: int = PARTNER_OPT,
    as_of: str = AS_OF_OPT,
    database_url: str = DB_OPT,
    json_out: bool = JSON_OPT,
    lang: str = LANG_OPT,
) -> None:
    """One analytics section for Meetings or Calling: recent, expiring, renewing, low or overage."""
    key = name.strip().lower()
    if key not in SECTION_NAMES:
        raise BadInput(N_("Unknown section {name}: use one of {allowed}."), name=name,
                       allowed=", ".join(SECTION_NAMES))
    ctx = read_context(partner, as_of, database_url, lang)
    fn = subscriptions.license_trend if key == "trend" else subscriptions.SECTIONS[key]
    with ctx.session() as session:
        result = fn(session=session, partner_id=ctx.partner_id, as_of=ctx.as_of, settings=ctx.settings,
                    product=product, region=region, tag=tag)
    written = _write_chart(result, chart_dir, ctx.locale) if key == "trend" and chart_dir is not None else None
    if json_out:
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
