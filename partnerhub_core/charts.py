"""PNG charts for Slack attachments and the demo (matplotlib, Agg; no pyplot).

Each figure is built on its own ``Figure`` object, never pyplot's global state, so
threads of the bot can draw at the same time. Functions return PNG bytes.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO

import matplotlib

matplotlib.use("Agg")  # no display on servers; harmless when already set

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from partnerhub_core.i18n import N_, format_date, translations  # noqa: E402

WIDTH_IN, HEIGHT_IN, DPI = 8, 4, 100  # 800 x 400 px: readable in a Slack preview
PALETTE = ["#0A60FF", "#00A0D1", "#F5A623", "#D0021B", "#7ED321", "#9013FE"]


@dataclass(frozen=True)
class Chart:
    name: str  # file name, e.g. "call-usage-trend.png"
    title: str  # already translated
    png: bytes


def _figure(title: str) -> tuple[Figure, object]:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    ax = fig.subplots()
    ax.set_title(title, fontsize=12, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


def _png(fig: Figure) -> bytes:
    fig.tight_layout()
    buf = BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _percent_axis(ax) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0%}"))


def line_chart(
    *,
    title: str,
    weeks: Sequence[date],
    series: dict[str, Sequence[float | None]],
    y_label: str = "",
    percent: bool = False,
    locale: str = "en",
) -> bytes:
    """One line per series over weeks (x labels are the week-ending dates)."""
    fig, ax = _figure(title)
    x = list(range(len(weeks)))
    for i, (label, values) in enumerate(series.items()):
        ys = [float("nan") if v is None else float(v) for v in values]
        ax.plot(x, ys, marker="o", linewidth=2, color=PALETTE[i % len(PALETTE)], label=label)
    ax.set_xticks(x, [format_date(w, locale) for w in weeks], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(y_label)
    ax.set_ylim(bottom=0)
    if percent:
        _percent_axis(ax)
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(series) > 1:
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    return _png(fig)


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    y_label: str = "",
    percent: bool = False,
) -> bytes:
    fig, ax = _figure(title)
    ys = [0.0 if v is None else float(v) for v in values]
    ax.bar(range(len(labels)), ys, color=[PALETTE[i % len(PALETTE)] for i in range(len(labels))])
    ax.set_xticks(range(len(labels)), list(labels), fontsize=9)
    ax.set_ylabel(y_label)
    ax.set_ylim(bottom=0)
    if percent:
        _percent_axis(ax)
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _png(fig)


def calling_charts(section, locale: str = "en") -> list[Chart]:
    """The charts of a calling section (analytics.calling): one per trend, plus quality
    by endpoint type. Empty weeks are drawn as zeros, so a quiet partner still gets a chart."""
    _ = translations(locale).gettext
    trend = section.trend
    if trend is None:
        return []
    weeks = list(trend["week_ending"])

    def col(name):
        return [None if v != v else v for v in trend[name].tolist()]  # NaN -> gap

    key = section.key
    if key == "usage":
        title = _(N_("Calls per week (last 8 weeks)"))
        return [Chart("call-usage-trend.png", title, line_chart(
            title=title, weeks=weeks, locale=locale,
            series={_(N_("Calls placed by users")): col("calls"), _(N_("Call legs")): col("legs")}))]
    if key == "quality":
        title = _(N_("Poor-quality share of call legs (last 8 weeks)"))
        charts = [Chart("call-quality-trend.png", title, line_chart(
            title=title, weeks=weeks, locale=locale, percent=True,
            series={_(N_("Poor-quality share")): col("poor_share")}))]
        if section.breakdown is not None:
            by = section.breakdown
            title2 = _(N_("Poor-quality share by endpoint type (last week)"))
            charts.append(Chart("call-quality-by-endpoint.png", title2, bar_chart(
                title=title2, labels=[_(label) for label in by["endpoint"]], percent=True,
                values=[None if v != v else v for v in by["poor_share"].tolist()])))
        return charts
    if key == "features":
        from partnerhub_core.analytics.calling import FEATURES

        title = _(N_("Calls through advanced features (last 8 weeks)"))
        return [Chart("call-features-trend.png", title, line_chart(
            title=title, weeks=weeks, locale=locale,
            series={_(label): col(name) for name, label in FEATURES}))]
    if key == "queues":
        title = _(N_("Call queue abandoned rate (last 8 weeks)"))
        return [Chart("call-queues-trend.png", title, line_chart(
            title=title, weeks=weeks, locale=locale, percent=True,
            series={_(N_("Abandoned rate")): col("abandon_rate")}))]
    return []
