"""One rounding rule, half-up, for every figure a person reads: ties (x.x5) worked by hand
in the core, the CLI (text and --json), Slack, the CSVs and the digest."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pandas as pd
import pytest

from partnerhub_core import i18n, reports
from partnerhub_core.analytics.common import FLOAT, INT, PERCENT, Column, Kpi, Section
from partnerhub_core.reports.definitions import _minutes
from partnerhub_core.rounding import DECIMALS, displayed, round_half_up, shown_ratio

# 29 of 400 = 0.0725 -> 7.25% -> 7.3%; 7.25 and 128.25 (the F16 average and the F19 wait of
# the issue) -> 7.3 and 128.3. Half to even (Python, numpy, Babel) gives 7.2 and 128.2.
TIE_RATIO = 29 / 400


def test_round_half_up_by_hand():
    assert round_half_up(7.25, 1) == Decimal("7.3") and round(7.25, 1) == 7.2  # what we no longer do
    assert round_half_up(128.25, 1) == Decimal("128.3")
    assert round_half_up(1.005, 2) == Decimal("1.01")  # the binary 1.00499… is read as typed
    assert round_half_up(-7.25, 1) == Decimal("-7.3")  # half away from zero
    assert round_half_up(0.35, 1) == Decimal("0.4")
    assert shown_ratio(TIE_RATIO) == Decimal("7.3") and shown_ratio(0.125) == Decimal("12.5")
    assert round_half_up(None, 1) is None and round_half_up(float("nan"), 1) is None
    assert DECIMALS == {"percent": 1, "float": 1, "int": 0}
    assert (displayed(TIE_RATIO, "percent"), displayed(7.25, "float"), displayed(3, "int")) == (7.3, 7.3, 3)
    assert _minutes(3) == 0.05 and _minutes(0.3) == 0.01 and _minutes(2761) == 46.02  # reports: 2 decimals


@pytest.mark.parametrize("locale, pct, avg, wait", [("en", "7.3%", "7.3", "128.3"),
                                                     ("pt_BR", "7,3%", "7,3", "128,3"),
                                                     ("es", "7,3%", "7,3", "128,3")])
def test_locale_formatting_rounds_ties_up(locale, pct, avg, wait):
    assert i18n.format_percent(TIE_RATIO, locale).replace("\xa0", " ") == pct
    assert i18n.format_number(7.25, locale, DECIMALS["float"]) == avg
    assert i18n.format_number(128.25, locale, DECIMALS["float"]) == wait


def _tie_section() -> Section:
    table = pd.DataFrame({"customer": ["Acme"], "assigned_pct": [TIE_RATIO], "calls_avg": [7.25],
                          "avg_answer_s": [128.25], "calls": [3]})
    columns = [Column("customer", "Customer"), Column("assigned_pct", "Assigned %", PERCENT),
               Column("calls_avg", "Weekly average, 8 weeks", FLOAT),
               Column("avg_answer_s", "Average answer time (s)", FLOAT), Column("calls", "Calls", INT)]
    kpis = [Kpi("assignment_pct", "License assignment", TIE_RATIO, PERCENT),
            Kpi("average_overage", "Average overage per customer", 7.25, FLOAT), Kpi("customers", "Customers", 2)]
    return Section("x", "Ties", kpis, table, columns)


def test_csv_of_a_table_writes_the_displayed_figures():
    rows = list(csv.reader(io.StringIO(reports.section_csv(_tie_section(), "en").decode("utf-8-sig"), newline="")))
    assert rows == [["Customer", "Assigned %", "Weekly average, 8 weeks", "Average answer time (s)", "Calls"],
                    ["Acme", "7.3", "7.3", "128.3", "3"]]


def test_json_keeps_exact_values_and_gives_the_displayed_ones():
    out = _tie_section().to_dict()
    assert [k["value"] for k in out["kpis"]] == [TIE_RATIO, 7.25, 2]
    assert out["rows"][0]["assigned_pct"] == TIE_RATIO and out["rows"][0]["avg_answer_s"] == 128.25
    assert out["displayed"] == {"kpis": {"assignment_pct": 7.3, "average_overage": 7.3},
                                "rows": [{"assigned_pct": 7.3, "calls_avg": 7.3, "avg_answer_s": 128.3}]}
