"""alert_rules._rows builds each line's facts and fingerprint part column-wise; the rows,
and above all the fingerprints (what an acknowledged alert was muted on, stored), must be
those of the per-line build it replaced (kept below verbatim as the reference)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from partnerhub_core.alert_rules import AlertRow, _rows, fingerprint
from partnerhub_core.analytics.common import Section, column_list, plain_column
from partnerhub_core.models import AlertKind


class _OldColumns:
    def __init__(self, table):
        self._table, self._lists, self._plain = table, {}, {}

    def __getitem__(self, key):
        if key not in self._lists:
            self._lists[key] = column_list(self._table[key])
        return self._lists[key]

    def plain(self, key):
        if key not in self._plain:
            self._plain[key] = plain_column(self._table[key])
        return self._plain[key]


def per_line_rows(kind, section):
    """alert_rules._rows up to 2026-12-05."""
    table = section.table
    if table.empty:
        return []
    codes, uniques = pd.factorize(table["customer_id"], sort=False)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    order = order[len(codes) - int(counts.sum()):]
    groups = np.split(order, np.cumsum(counts)[:-1]) if len(uniques) else []
    col = _OldColumns(table)
    customer = col["customer"]
    keys = [k for k in table.columns if k != "customer_id"]
    rows = []
    for cid, group in zip(uniques.tolist(), groups):
        first = int(group[0])
        at = group.tolist()
        if kind == AlertKind.EXPIRING:
            sub, prod, trial, auto = col["subscription_id"], col["product"], col["trial"], col["auto_renew"]
            end, left = col["end_date"], col["days_left"]
            lines = [{"subscription_id": sub[i], "product": prod[i], "trial": bool(trial[i]),
                      "auto_renew": bool(auto[i]), "end_date": end[i], "days_left": int(left[i])} for i in at]
            facts = {"lines": lines}
            fp = fingerprint(kind, *sorted(f"{x['subscription_id']}:{x['product']}:{x['end_date']}" for x in lines))
        elif kind == AlertKind.OVERAGE:
            sub, prod, total, assigned, over = (col["subscription_id"], col["product"], col["total_licenses"],
                                                col["assigned"], col["overage"])
            lines = [{"subscription_id": sub[i], "product": prod[i], "total": int(total[i]),
                      "assigned": int(assigned[i]), "overage": int(over[i])} for i in at]
            facts = {"lines": lines}
            fp = fingerprint(kind, *sorted(f"{x['subscription_id']}:{x['product']}:{x['overage']}" for x in lines))
        elif kind == AlertKind.ABANDONED_SPIKE:
            facts = {"week_ending": col["week_ending"][first], "queue_calls": int(col["queue_calls"][first]),
                     "queue_abandoned": int(col["queue_abandoned"][first]), "rate": float(col["rate"][first]),
                     "baseline_rate": float(col["baseline_rate"][first])}
            fp = fingerprint(kind, facts["week_ending"])
        else:
            subs_ids = sorted(str(col["subscription_id"][i]) for i in at) if "subscription_id" in table else []
            plain = [col.plain(k) for k in keys]
            facts = {"lines": [dict(zip(keys, [p[i] for p in plain])) for i in at]}
            fp = fingerprint(kind, *subs_ids)
        rows.append(AlertRow(kind=str(kind), customer_id=int(cid), customer=str(customer[first]),
                             fingerprint=fp, facts=facts))
    return rows


# Customers 7 and 3 have several lines, not next to each other; the others one each.
CUSTOMERS = [7, 3, 9, 7, 3, 11, 3, 12]
N = len(CUSTOMERS)


def _base() -> dict:
    return {
        "customer_id": np.array(CUSTOMERS, dtype="int64"),
        "customer": pd.Series([f"Cliente {c} — \"São\"" for c in CUSTOMERS], dtype="str"),
        "subscription_id": pd.Series([f"Sub{i:03d}" for i in range(N, 0, -1)], dtype="str"),
        "product": pd.Series(["meetings", "calling"] * (N // 2), dtype="str"),
        "region": pd.Series(["EU", "US", None, "CA"] * (N // 4), dtype="str"),
    }


def expiring_table() -> pd.DataFrame:
    return pd.DataFrame({
        **_base(),
        "trial": np.array([True, False] * (N // 2)), "auto_renew": np.array([False, False, True, True] * 2),
        "end_date": [date(2026, 11, 25 + i % 3) for i in range(N)],
        "days_left": np.arange(N, dtype="int64"), "total_licenses": np.arange(10, 10 + N, dtype="int64"),
    })


def overage_table() -> pd.DataFrame:
    return pd.DataFrame({
        **_base(), "total_licenses": np.full(N, 100, dtype="int64"),
        "assigned": np.arange(101, 101 + N, dtype="int64"), "overage": np.arange(1, 1 + N, dtype="int64"),
    })


def low_table() -> pd.DataFrame:
    return pd.DataFrame({
        **_base(), "org_id": pd.Series([f"org-{c}" for c in CUSTOMERS], dtype="str"),
        "is_trial": np.array([False, True] * (N // 2)),
        "months_since_added": pd.array([48, None, 3, 0, 12, None, 1, 2], dtype="Int64"),
        "assigned": np.arange(N, dtype="int64"), "assigned_pct": [0.0, 0.05, float("nan"), 0.1, 0.0725, 0.3, 0.2, 0.4],
        "used_7d": pd.array([None, 1, 2, None, 0, 0, 5, 6], dtype="Int64"),
        "share": pd.array([0.5, None, 0.25, 0.0, 1.0, None, 0.1, 0.2], dtype="Float64"),
        "weekly_assigned_change": pd.array([0, -1, None, 2, 0, 0, 1, None], dtype="Int64"),
        "start": pd.Series(pd.to_datetime(["2026-01-01", None] * (N // 2))),
    })


def spike_table() -> pd.DataFrame:
    return pd.DataFrame({
        **_base(), "week_ending": [date(2026, 11, 21)] * N, "queue_calls": np.arange(40, 40 + N, dtype="int64"),
        "queue_abandoned": np.arange(N, dtype="int64"), "rate": np.linspace(0.2, 0.9, N),
        "baseline_rate": np.linspace(0.01, 0.1, N), "times_baseline": np.linspace(2, 9, N),
    })


TABLES = {AlertKind.EXPIRING: expiring_table, AlertKind.OVERAGE: overage_table,
          AlertKind.LOW_ASSIGNMENT: low_table, AlertKind.ABANDONED_SPIKE: spike_table}


def _variants(table: pd.DataFrame):
    yield table
    yield table.iloc[::-1].reset_index(drop=True)
    yield table.iloc[:1]
    yield table.iloc[:0]
    missing = table.astype({"customer_id": "float64"})
    missing.loc[2, "customer_id"] = np.nan  # a line without a customer is left out
    yield missing
    yield table.set_index(pd.Index(range(100, 100 + len(table))))  # the index is not the position


@pytest.mark.parametrize("kind", list(AlertKind))
@pytest.mark.parametrize("as_text", [False, True])
def test_rows_and_fingerprints_are_those_of_the_per_line_build(kind, as_text):
    for table in _variants(TABLES[kind]()):
        section = Section(f"alert-{kind}", "Alert", [], table, [])
        given = kind.value if as_text else kind
        new, old = _rows(given, section), per_line_rows(given, section)
        assert repr(new) == repr(old)  # repr: an int is not a float or a bool, nor np.int64
        assert new == old


def test_low_assignment_without_subscription_ids_or_other_columns():
    for table in (low_table().drop(columns=["subscription_id"]), low_table()[["customer_id", "customer"]]):
        section = Section("alert-low_assignment", "Alert", [], table, [])
        assert repr(_rows(AlertKind.LOW_ASSIGNMENT, section)) == repr(per_line_rows(AlertKind.LOW_ASSIGNMENT, section))


def test_a_fingerprint_is_the_hash_of_its_joined_facts():
    (row,) = [r for r in _rows(AlertKind.OVERAGE, Section("a", "A", [], overage_table(), [])) if r.customer_id == 9]
    assert row.fingerprint == fingerprint("overage", "Sub006:meetings:3") and len(row.fingerprint) == 16
