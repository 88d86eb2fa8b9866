"""PNG charts for Slack attachments and the demo (matplotlib, Agg; no pyplot).

Each figure is built on its own ``Figure`` object, never pyplot's global state, so
threads of the bot can draw at the same time. ``*_figure`` builders return the Figure
(tests read its tick labels, ``tick_labels``); ``line_chart``/``bar_chart`` return PNG bytes.

Axes speak the person's language: counts with Babel's thousands separators ("12,345",
"12.345"), percentages with as many decimals as the tick step needs (0%, 0.5%, 1% …, never
0%, 0%, 1%) and headroom above the highest point so a line does not hug the top edge.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO

import matplotlib

matplotlib.use("Agg")  # no display on servers; harmless when already set

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter  # noqa: E402

from partnerhub_core.i18n import N_, format_date, format_number, translations  # noqa: E402

WIDTH_IN, HEIGHT_IN, DPI = 8, 4, 100  # 800 x 400 px: readable in a Slack preview
PALETTE = ["#0A60FF", "#00A0D1", "#F5A623", "#D0021B", "#7ED321", "#9013FE"]
HEADROOM = 1.15  # the top of the y axis is 15% above the highest point
TICK_STEPS = [1, 2, 5, 10]  # tick steps of 1, 2 or 5 × 10^k: their decimals are exact


@dataclass(frozen=True)
class Chart:
    name: str  # file name, e.g. "call-usage-trend.png"
    title: str  # already translated
    png: bytes


class LocalePercentFormatter(PercentFormatter):
    """Ratios (0..1) as percentages in the person's locale, with the decimals the tick step
    needs: a step of 0.5 points gets one decimal, of 1 or more none."""

    def __init__(self, locale: str):
        super().__init__(xmax=1)
        self.locale = locale

    def _decimals(self) -> int:
        locs = sorted(self.axis.get_majorticklocs()) if self.axis is not None else []
        steps = [b - a for a, b in zip(locs, locs[1:]) if b > a]
        if not steps:
            return 0
        points = min(steps) * 100
        return max(0, min(3, math.ceil(-math.log10(points) - 1e-9)))

    def __call__(self, x, pos=None):
        from partnerhub_core.i18n import format_percent

        return format_percent(x, self.locale, digits=self._decimals())


def _figure(title: str) -> tuple[Figure, object]:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)  # so tests can draw it and read the tick labels
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


def _y_axis(ax, values: Sequence[float], *, percent: bool, locale: str) -> None:
    """Limits with headroom, ticks of 1/2/5 steps, labels in the locale."""
    known = [v for v in values if v == v]  # NaN is a gap
    top = max(known, default=0.0)
    if percent:
        ceiling = top * HEADROOM if top > 0 else 0.01
        if 0 < top <= 1:
            ceiling = min(ceiling, 1.05)  # never a 120% tick on a share
        ax.set_ylim(0, ceiling)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=TICK_STEPS))
        ax.yaxis.set_major_formatter(LocalePercentFormatter(locale))
    else:
        ax.set_ylim(0, top * HEADROOM if top > 0 else 1)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=TICK_STEPS, integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_number(v, locale, 0)))


def tick_labels(fig: Figure, axis: str = "y") -> list[str]:
    """The tick labels a person sees on the first axes (inside the limits), after drawing."""
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    out = []
    for label in ticks:
        x, y = label.get_position()
        where = y if axis == "y" else x
        if low - 1e-12 <= where <= high + 1e-12 and label.get_text():
            out.append(label.get_text())
    return out


def line_figure(
    *,
    title: str,
    weeks: Sequence[date],
    series: dict[str, Sequence[float | None]],
    y_label: str = "",
    percent: bool = False,
    locale: str = "en",
    legend: bool = False,
    note: str = "",
) -> Figure:
    """One line per series over weeks (x labels are the week-ending dates). The legend is
    drawn when there are several lines, or when ``legend`` asks (a line named after a
    customer); ``note`` is a line of small text under the plot."""
    fig, ax = _figure(title)
    x = list(range(len(weeks)))
    everything: list[float] = []
    for i, (label, values) in enumerate(series.items()):
        ys = [float("nan") if v is None else float(v) for v in values]
        everything += ys
        ax.plot(x, ys, marker="o" if len(x) <= 16 else None, linewidth=2,
                color=PALETTE[i % len(PALETTE)], label=label)
    every = max(1, math.ceil(len(weeks) / 13))  # 52 weeks: one date label in four
    ax.set_xticks(x[::every], [format_date(w, locale) for w in weeks][::every],
                  rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(y_label)
    _y_axis(ax, everything, percent=percent, locale=locale)
    if len(series) > 1 or (legend and series):
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    if note:
        fig.text(0.01, 0.01, note, fontsize=8, color="#555555")
    return fig


def line_chart(**kwargs) -> bytes:
    """``line_figure`` as PNG bytes."""
    return _png(line_figure(**kwargs))


def bar_figure(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    y_label: str = "",
    percent: bool = False,
    locale: str = "en",
) -> Figure:
    fig, ax = _figure(title)
    ys = [0.0 if v is None else float(v) for v in values]
    ax.bar(range(len(labels)), ys, color=[PALETTE[i % len(PALETTE)] for i in range(len(labels))])
    ax.set_xticks(range(len(labels)), list(labels), fontsize=9)
    ax.set_ylabel(y_label)
    _y_axis(ax, ys, percent=percent, locale=locale)
    return fig


def bar_chart(**kwargs) -> bytes:
    """``bar_figure`` as PNG bytes."""
    return _png(bar_figure(**kwargs))


def license_trend_figure(section, locale: str = "en") -> Figure | None:
    """The licence trend (analytics.subscriptions.license_trend): total, assigned and used
    licences per week of one product. Weeks whose usage is unknown have no "used" point; when
    no week has one, there is no "used" line and a note says why."""
    import pandas as pd

    table = section.table
    if table is None or not len(table):
        return None
    _ = translations(locale).gettext
    df = table.sort_values("week_ending")
    weeks = list(df["week_ending"])
    used = [None if pd.isna(v) else int(v) for v in df["used_7d"].astype("object").tolist()]
    series = {_(N_("Total licenses")): df["total_licenses"].tolist(), _(N_("Assigned")): df["assigned"].tolist()}
    note = ""
    if any(v is not None for v in used):
        series[_(N_("Used (last 7 days)"))] = used
    else:
        note = _(N_("Usage is unknown: no license usage source gave a figure for these weeks."))
    title = _(N_("{product}: licenses per week")).format(product=_product_name(section.product, _))
    return line_figure(title=title, weeks=weeks, series=series, locale=locale, note=note)


def license_trend_chart(section, locale: str = "en") -> Chart | None:
    fig = license_trend_figure(section, locale)
    if fig is None:
        return None
    title = fig.axes[0].get_title(loc="left")
    return Chart(f"license-trend-{section.product or 'all'}.png", title, _png(fig))


def abandoned_spike_figure(alert, locale: str = "en") -> Figure | None:
    """The weekly abandoned-call rate of the customers that spiked (alerts.abandoned_spike;
    the worst six) over the baseline weeks and last week, each line named after its customer,
    even when only one customer spiked."""
    if alert.kind != "abandoned_spike" or alert.history is None or not alert.rows:
        return None
    _ = translations(locale).gettext
    history = alert.history
    weeks = sorted(set(history["week_ending"]))
    series = {}
    for row in alert.rows[:6]:
        mine = history[history["customer_id"] == row.customer_id].set_index("week_ending")
        series[row.customer[:40]] = [
            (float(mine.at[w, "queue_abandoned"]) / float(mine.at[w, "queue_calls"]))
            if w in mine.index and mine.at[w, "queue_calls"] else None
            for w in weeks
        ]
    return line_figure(title=_(N_("Abandoned-call rate by week")), weeks=weeks, series=series,
                       percent=True, locale=locale, legend=True)


def abandoned_spike_chart(alert, locale: str = "en") -> bytes | None:
    fig = abandoned_spike_figure(alert, locale)
    return None if fig is None else _png(fig)


def _product_name(product: str | None, gettext) -> str:
    names = {"meetings": N_("Meetings"), "calling": N_("Calling")}
    return gettext(names.get(product or "", N_("Licenses")))


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
                title=title2, labels=[_(label) for label in by["endpoint"]], percent=True, locale=locale,
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
