"""Charts drawn for real (Agg) and read back: the tick labels a person sees."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from partnerhub_core import charts
from partnerhub_core.analytics.common import Section

WEEKS = [date(2026, 11, 7) + timedelta(weeks=i) for i in range(8)]


def test_percent_axis_has_the_decimals_its_steps_need_and_headroom():
    # shares between 0.4% and 2.1%: the old axis read 0%, 0%, 0%, 1%, 1%, 1%, 1%, 2%
    shares = [0.004, 0.006, 0.01, 0.012, 0.015, 0.018, 0.02, 0.021]
    fig = charts.line_figure(title="Poor", weeks=WEEKS, series={"Poor": shares}, percent=True)
    labels = charts.tick_labels(fig)
    assert labels == ["0.0%", "0.5%", "1.0%", "1.5%", "2.0%"]
    assert len(set(labels)) == len(labels)
    # headroom: 2.1% * 1.15 = 2.415%, so the line stays below the top edge
    assert abs(fig.axes[0].get_ylim()[1] - 0.021 * 1.15) < 1e-12


def test_percent_axis_in_portuguese_and_of_whole_points():
    fig = charts.line_figure(title="x", weeks=WEEKS[:3], series={"a": [0.1, 0.35, 0.5]}, percent=True, locale="pt_BR")
    # 50% * 1.15 = 57.5% on top; six bins of 1/2/5 steps: every 10 points, no decimals
    assert charts.tick_labels(fig) == ["0%", "10%", "20%", "30%", "40%", "50%"]
    assert fig.axes[0].get_ylim()[1] == 0.5 * 1.15
    fig = charts.line_figure(title="x", weeks=WEEKS[:2], series={"a": [0.004, 0.021]}, percent=True, locale="pt_BR")
    assert charts.tick_labels(fig) == ["0,0%", "0,5%", "1,0%", "1,5%", "2,0%"]


def test_a_full_share_is_capped_below_a_120_percent_tick():
    fig = charts.line_figure(title="x", weeks=WEEKS[:2], series={"a": [0.5, 1.0]}, percent=True)
    assert charts.tick_labels(fig) == ["0%", "20%", "40%", "60%", "80%", "100%"]
    assert fig.axes[0].get_ylim()[1] == 1.05


def test_count_axis_has_the_locale_thousands_separator():
    values = [0, 4_000, 9_000, 12_000]  # top 12,000 * 1.15 = 13,800: steps of 5,000
    fig = charts.line_figure(title="x", weeks=WEEKS[:4], series={"a": values})
    assert charts.tick_labels(fig) == ["0", "5,000", "10,000"]
    fig = charts.line_figure(title="x", weeks=WEEKS[:4], series={"a": values}, locale="pt_BR")
    assert charts.tick_labels(fig) == ["0", "5.000", "10.000"]
    fig = charts.bar_figure(title="x", labels=["a", "b"], values=[1_500, 3_000], locale="es")
    assert charts.tick_labels(fig) == ["0", "1.000", "2.000", "3.000"]


def test_one_named_line_keeps_its_legend():
    fig = charts.line_figure(title="x", weeks=WEEKS[:2], series={"Acme Ltd": [0.1, 0.2]}, percent=True, legend=True)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["Acme Ltd"]
    fig = charts.line_figure(title="x", weeks=WEEKS[:2], series={"Calls": [1, 2]})
    assert fig.axes[0].get_legend() is None


def _trend(used):
    weeks = [date(2025, 12, 6) + timedelta(weeks=i) for i in range(52)]
    df = pd.DataFrame({"week_ending": weeks, "total_licenses": [1_000 + 10 * i for i in range(52)],
                       "assigned": [800 + 5 * i for i in range(52)],
                       "used_7d": pd.array(used(52), dtype="Int64")})
    return Section("trend", "License distribution trend", [], df, [], product="calling", as_of=weeks[-1])


def test_license_trend_chart_total_assigned_used_over_52_weeks():
    fig = charts.license_trend_figure(_trend(lambda n: [500 + i for i in range(n)]), "en")
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "Calling: licenses per week"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Total licenses", "Assigned", "Used (last 7 days)"]
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [52, 52, 52]
    assert charts.tick_labels(fig) == ["0", "500", "1,000", "1,500"]  # top 1,510 * 1.15
    # 52 weeks: one date label in four, oldest on the left
    assert charts.tick_labels(fig, "x")[0] == "Dec 6, 2025"
    assert len(charts.tick_labels(fig, "x")) == 13
    assert fig.texts == []


def test_license_trend_chart_without_usage_has_no_used_line_and_says_why():
    fig = charts.license_trend_figure(_trend(lambda n: [None] * n), "pt_BR")
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2
    assert len(fig.texts) == 1 and fig.texts[0].get_text()
    chart = charts.license_trend_chart(_trend(lambda n: [None] * n), "en")
    assert chart.name == "license-trend-calling.png" and chart.png[:4] == b"\x89PNG"
    assert fig.texts[0].get_text() != ""


def test_license_trend_chart_of_no_weeks_is_none():
    empty = Section("trend", "t", [], pd.DataFrame(columns=["week_ending", "total_licenses", "assigned", "used_7d"]),
                    [], product="meetings")
    assert charts.license_trend_chart(empty) is None


def test_a_one_customer_spike_chart_names_the_customer():
    from partnerhub_core.alerts import Alert, AlertRow

    history = pd.DataFrame({"customer_id": [7, 7, 7], "week_ending": WEEKS[:3],
                            "queue_calls": [100, 100, 80], "queue_abandoned": [5, 6, 20]})
    alert = Alert("abandoned_spike", "Abandoned calls spiked", [AlertRow("abandoned_spike", 7, "Łódź Bank", "f", {})],
                  0, Section("s", "S", [], pd.DataFrame(), []), history=history)
    fig = charts.abandoned_spike_figure(alert, "es")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Łódź Bank"]
    # 5%, 6%, 25%: top 28.75%, ticks every 5 points
    assert charts.tick_labels(fig) == ["0%", "5%", "10%", "15%", "20%", "25%"]
    assert list(ax.get_lines()[0].get_ydata()) == [0.05, 0.06, 0.25]
    assert charts.abandoned_spike_chart(alert, "en")[:4] == b"\x89PNG"
