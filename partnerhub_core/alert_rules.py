"""The alert rules (SPEC F29): which lines or customers each alert kind finds, and one
``AlertRow`` per customer with the facts it shows and its fingerprint.

Alerts, per customer, for one partner on ``as_of``:

``expiring``
    subscription lines and trials in force that end within ``expiring_soon_days`` —
    exactly the lines that give a customer the ``expiring_soon`` status. Auto-renew lines
    alert too (the guide counts them as expiring, and a renewal at the current licence
    count is a moment to talk to the customer); the alert marks them "auto-renew". With
    ``expiring_excludes_auto_renew`` they are left out, as the status leaves them out.
``overage``
    lines in force whose newest weekly snapshot has more licenses assigned than bought —
    the lines behind ``license_overage``.
``low_assignment``
    the rows of the "low license assignment" analytics section (its percentile rule),
    Meetings and Calling.
``abandoned_spike``
    the spike rule (``abandoned_spikes``): last completed week's abandoned-call rate of a
    customer's call queues against the customer's own recent baseline.

The digest (``alerts.py``) runs these; muting them is ``alert_actions.py``.
"""
from __future__ import annotations

import gc
import hashlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session

from partnerhub_core.analytics.common import (
    BOOL,
    DATE,
    FLOAT,
    INT,
    PERCENT,
    PRODUCT,
    REGION,
    Column,
    Kpi,
    Section,
    _plain as plain_value,
    column_list,
    date_col,
)
from partnerhub_core.alert_inputs import load_queue_weeks
from partnerhub_core.i18n import N_
from partnerhub_core.models import AlertKind
from partnerhub_core.plain_values import plain_values
from partnerhub_core.settings import Settings
from partnerhub_core.statuses import counts_as_expiring
from partnerhub_core.timeutil import last_completed_week_ending

ALERT_TITLES = {
    AlertKind.EXPIRING: N_("Expiring subscriptions and trials"),
    AlertKind.OVERAGE: N_("Over the license limit"),
    AlertKind.LOW_ASSIGNMENT: N_("Low license assignment"),
    AlertKind.ABANDONED_SPIKE: N_("Abandoned-call spikes"),
}


# ---------------------------------------------------------------------------------
# The spike rule (pure)
# ---------------------------------------------------------------------------------
def abandoned_spikes(
    weekly: pd.DataFrame,
    *,
    week: date,
    factor: float,
    min_calls: int,
    baseline_weeks: int,
    min_rate: float,
) -> pd.DataFrame:
    """Customers whose call queues abandoned far more calls last week than usual.

    ``weekly`` has one row per customer and week: ``customer_id, week_ending, queue_calls,
    queue_abandoned``. A week's rate is abandoned ÷ queue calls. The *baseline* is the
    mean of the weekly rates of the ``baseline_weeks`` weeks before ``week`` that had
    queue calls (at least two such weeks, or the one week when ``baseline_weeks`` is 1).
    A customer spikes when, in ``week``:

    - it had at least ``min_calls`` queue calls (tiny queues page nobody), and
    - its rate is at least ``min_rate``, and
    - its rate is greater than ``factor`` × baseline.

    Returns ``customer_id, week_ending, queue_calls, queue_abandoned, rate,
    baseline_rate, baseline_weeks, times_baseline`` (None when the baseline is 0), worst first.
    """
    columns = ["customer_id", "week_ending", "queue_calls", "queue_abandoned", "rate",
               "baseline_rate", "baseline_weeks", "times_baseline"]
    if weekly.empty:
        return pd.DataFrame(columns=columns)
    df = weekly.copy()
    # Weeks compared as datetime64 (a column of date objects was made and compared row by row).
    weeks_ts = pd.to_datetime(df["week_ending"])
    if weeks_ts.dt.tz is not None:
        weeks_ts = weeks_ts.dt.tz_localize(None)
    weeks_ts = weeks_ts.dt.normalize()
    current = df[(weeks_ts == pd.Timestamp(week)).to_numpy()]
    earlier = [pd.Timestamp(week - timedelta(days=7 * i)) for i in range(1, baseline_weeks + 1)]
    base = df[(weeks_ts.isin(earlier) & (df["queue_calls"] > 0)).to_numpy()].copy()
    base["rate"] = base["queue_abandoned"] / base["queue_calls"]
    stats = base.groupby("customer_id")["rate"].agg(["mean", "count"])
    needed = min(2, baseline_weeks)
    means, counts = stats["mean"].to_dict(), stats["count"].to_dict()  # dicts: .at per row is slow
    # The rule over whole columns first; only the candidates it keeps are read row by row
    # (same float arithmetic, checked again below).
    cur_calls = current["queue_calls"].astype("int64").to_numpy()
    cur_abandoned = current["queue_abandoned"].astype("int64").to_numpy()
    cur_mean = current["customer_id"].map(stats["mean"]).to_numpy(dtype="float64", na_value=np.nan)
    cur_count = current["customer_id"].map(stats["count"]).to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        cur_rate = cur_abandoned / cur_calls
        keep = ((cur_calls >= min_calls) & ~np.isnan(cur_mean) & (cur_count >= needed)
                & (cur_rate >= min_rate) & (cur_rate > factor * cur_mean))
    out = []
    for row in current[keep].itertuples(index=False):
        calls, abandoned = int(row.queue_calls), int(row.queue_abandoned)
        if calls < min_calls or row.customer_id not in means:
            continue
        mean, count = float(means[row.customer_id]), int(counts[row.customer_id])
        if count < needed:
            continue
        rate = abandoned / calls
        if rate >= min_rate and rate > factor * mean:
            out.append({
                "customer_id": int(row.customer_id), "week_ending": week, "queue_calls": calls,
                "queue_abandoned": abandoned, "rate": rate, "baseline_rate": mean,
                "baseline_weeks": count, "times_baseline": (rate / mean) if mean > 0 else None,
            })
    result = pd.DataFrame(out, columns=columns)
    if not result.empty:
        result = result.sort_values(["rate", "customer_id"], ascending=[False, True]).reset_index(drop=True)
    return result


# ---------------------------------------------------------------------------------
# Alert rows
# ---------------------------------------------------------------------------------
@dataclass
class AlertRow:
    kind: str
    customer_id: int
    customer: str
    fingerprint: str
    facts: dict[str, Any]  # the values the message shows (kind-specific keys)
    owner_slack_user_id: str | None = None


def fingerprint(*parts: Any) -> str:
    text = "|".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _lines_in_force(subs: pd.DataFrame, as_of: date) -> pd.DataFrame:
    day = pd.Timestamp(as_of)
    start, end, cancelled = date_col(subs["start_date"]), date_col(subs["end_date"]), date_col(subs["cancelled_on"])
    mask = (start <= day) & (end.isna() | (end >= day)) & (cancelled.isna() | (cancelled > day))
    out = subs[mask.fillna(False).astype(bool)].copy()
    out["end_ts"] = date_col(out["end_date"])
    return out


def expiring_alert(customers: pd.DataFrame, subs: pd.DataFrame, *, as_of: date, settings: Settings,
                   in_force: pd.DataFrame | None = None) -> Section:
    """Lines that make their customer ``expiring_soon`` (same rule as statuses.py).
    ``in_force``: ``_lines_in_force(subs, as_of)`` when the caller has it (the digest)."""
    lines = _lines_in_force(subs, as_of) if in_force is None else in_force
    days_left = (lines["end_ts"] - pd.Timestamp(as_of)).dt.days
    keep = lines["end_ts"].notna() & (days_left <= settings.expiring_soon_days) & counts_as_expiring(
        lines["is_trial"].astype(bool), lines["auto_renew"].astype(bool), settings)
    lines = lines[keep.fillna(False).astype(bool)].copy()
    lines["days_left"] = days_left[lines.index].astype("int64")
    table = lines.merge(customers[["customer_id", "customer", "region"]], on="customer_id")
    table["trial"] = table["is_trial"].astype(bool)
    table["auto_renew"] = table["auto_renew"].astype(bool)
    table["end_date"] = table["end_ts"].dt.date
    table = table.sort_values(["days_left", "customer", "subscription_id"]).reset_index(drop=True)
    columns = [
        Column("customer", N_("Customer")), Column("subscription_id", N_("Subscription ID")),
        Column("product", N_("Product"), PRODUCT), Column("trial", N_("Trial"), BOOL),
        Column("auto_renew", N_("Auto-renew"), BOOL),
        Column("end_date", N_("Ends on"), DATE), Column("days_left", N_("Days left"), INT),
        Column("total_licenses", N_("Total licenses"), INT), Column("region", N_("Region"), REGION),
    ]
    kpis = [Kpi("customers", N_("Customers"), int(table["customer_id"].nunique()))]
    return Section("alert-expiring", ALERT_TITLES[AlertKind.EXPIRING], kpis, table, columns, as_of=as_of)


def overage_alert(customers: pd.DataFrame, subs: pd.DataFrame, snaps: pd.DataFrame, *, as_of: date,
                  in_force: pd.DataFrame | None = None) -> Section:
    """Lines in force with more licenses assigned than bought (same rule as statuses.py)."""
    lines = _lines_in_force(subs, as_of) if in_force is None else in_force
    lines = lines.merge(snaps[["sub_pk", "assigned"]], on="sub_pk", how="inner") if not snaps.empty else \
        lines.assign(assigned=pd.Series(dtype="int64")).iloc[0:0]
    lines = lines[lines["assigned"] > lines["total_licenses"]].copy()
    lines["overage"] = (lines["assigned"] - lines["total_licenses"]).astype("int64")
    table = lines.merge(customers[["customer_id", "customer", "region"]], on="customer_id")
    table = table.sort_values(["overage", "customer"], ascending=[False, True]).reset_index(drop=True)
    columns = [
        Column("customer", N_("Customer")), Column("subscription_id", N_("Subscription ID")),
        Column("product", N_("Product"), PRODUCT), Column("total_licenses", N_("Total licenses"), INT),
        Column("assigned", N_("Assigned"), INT), Column("overage", N_("Over the limit"), INT),
        Column("region", N_("Region"), REGION),
    ]
    kpis = [
        Kpi("customers", N_("Customers"), int(table["customer_id"].nunique())),
        Kpi("overage", N_("Licenses over the limit"), int(table["overage"].sum()) if len(table) else 0),
    ]
    return Section("alert-overage", ALERT_TITLES[AlertKind.OVERAGE], kpis, table, columns, as_of=as_of)


def spike_alert(
    session: Session, customers: pd.DataFrame, *, partner_id: int, as_of: date, settings: Settings,
    customer_ids: set[int],
) -> tuple[Section, pd.DataFrame]:
    """The spikes, and the weekly queue figures behind them (for the chart)."""
    week = last_completed_week_ending(as_of)
    weekly = load_queue_weeks(session, partner_id=partner_id, week=week,
                              weeks=settings.abandoned_spike_baseline_weeks, customer_ids=customer_ids)
    spikes = abandoned_spikes(
        weekly, week=week, factor=settings.abandoned_spike_factor,
        min_calls=settings.abandoned_spike_min_calls,
        baseline_weeks=settings.abandoned_spike_baseline_weeks,
        min_rate=settings.abandoned_spike_min_rate,
    )
    table = spikes.merge(customers[["customer_id", "customer", "region"]], on="customer_id")
    table = table.sort_values(["rate", "customer"], ascending=[False, True]).reset_index(drop=True)
    columns = [
        Column("customer", N_("Customer")), Column("week_ending", N_("Week ending"), DATE),
        Column("queue_calls", N_("Queue calls"), INT), Column("queue_abandoned", N_("Abandoned"), INT),
        Column("rate", N_("Abandoned rate"), PERCENT), Column("baseline_rate", N_("Usual rate"), PERCENT),
        Column("times_baseline", N_("Times usual"), FLOAT), Column("region", N_("Region"), REGION),
    ]
    kpis = [Kpi("customers", N_("Customers"), int(table["customer_id"].nunique()))]
    section = Section("alert-abandoned_spike", ALERT_TITLES[AlertKind.ABANDONED_SPIKE], kpis, table,
                      columns, product="calling", as_of=as_of)
    return section, weekly


def low_assignment_alert(
    session: Session, *, partner_id: int, as_of: date, settings: Settings, tag: str | None,
    region: str | None, customer_ids: set[int], preloaded=None,
) -> Section:
    """The analytics section's rows (its percentile rule), Meetings and Calling together.
    ``preloaded``: see ``analytics.subscriptions.load_frame``."""
    from partnerhub_core.analytics import subscriptions as subs_analytics

    parts = []
    columns: list[Column] = []
    # One load for both products: the low-assignment rule is per product within the frame.
    frame = subs_analytics.load_frame(
        session=session, partner_id=partner_id, as_of=as_of, settings=settings,
        products=("meetings", "calling"), region=region, tag=tag, customer_ids=customer_ids,
        preloaded=preloaded,
    )
    for product in ("meetings", "calling"):
        section = subs_analytics._low(frame, product, settings)
        columns = columns or list(section.columns)
        if len(section.table):
            parts.append(section.table.assign(product=product))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[c.key for c in columns] + ["customer_id", "product"])
    if "product" not in [c.key for c in columns]:
        columns = columns[:1] + [Column("product", N_("Product"), PRODUCT)] + columns[1:]
    kpis = [Kpi("customers", N_("Customers"), int(table["customer_id"].nunique()) if len(table) else 0)]
    return Section("alert-low_assignment", ALERT_TITLES[AlertKind.LOW_ASSIGNMENT], kpis, table, columns,
                   as_of=as_of)


def _rows(kind: str, section: Section) -> list[AlertRow]:
    """One AlertRow per customer: its lines folded together, fingerprinted.

    Column-wise: the customers are grouped once (``pd.factorize``, first appearance order,
    rows in table order, a missing customer left out as groupby would); each line's facts
    and its part of the fingerprint are built for the whole table in one pass over its
    columns (``_line_facts``), and the loop per customer only gathers its lines and hashes.
    A fingerprint is what an acknowledged alert was muted on, so it must stay the text
    ``fingerprint`` hashes: ``tests/core/test_alert_rows_columns.py`` compares the rows
    with the per-line build they replaced.
    """
    table = section.table
    if table.empty:
        return []
    with _collector_paused():
        return _rows_of(kind, table)


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while the rows are built: 100,000 rows are
    ~400,000 new dicts and lists (none in a cycle), and every 700 of them the collector
    ran, now and then over the whole heap of a 100,000-customer digest (half of the
    overage alert's rows at 100,000 customers). Back on (if it was) afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _rows_of(kind: str, table: pd.DataFrame) -> list[AlertRow]:
    codes, uniques = pd.factorize(table["customer_id"], sort=False)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    order = order[len(codes) - int(counts.sum()):].tolist()  # missing customers (code -1) sort first
    ends = np.cumsum(counts).tolist()
    col = _Columns(table)
    customer = col["customer"]
    name = str(kind)
    lines, parts = _line_facts(kind, table, col)
    spike, sha256 = kind == AlertKind.ABANDONED_SPIKE, hashlib.sha256
    rows: list[AlertRow] = []
    start = 0
    for cid, stop in zip(uniques.tolist(), ends):
        first = order[start]
        if stop - start == 1:  # most customers have one line
            facts = {"lines": [lines[first]]} if lines is not None else None
            keys = [parts[first]] if parts is not None else []
        else:
            at = order[start:stop]
            facts = {"lines": [lines[i] for i in at]} if lines is not None else None
            keys = sorted([parts[i] for i in at]) if parts is not None else []
        start = stop
        if spike:
            facts = {"week_ending": col["week_ending"][first], "queue_calls": int(col["queue_calls"][first]),
                     "queue_abandoned": int(col["queue_abandoned"][first]), "rate": float(col["rate"][first]),
                     "baseline_rate": float(col["baseline_rate"][first])}
            keys = [str(facts["week_ending"])]  # a new week's spike is a new alert
        text = "|".join([name, *keys])  # as fingerprint(kind, *keys) joins them
        rows.append(AlertRow(kind=name, customer_id=int(cid), customer=str(customer[first]),
                             fingerprint=sha256(text.encode("utf-8")).hexdigest()[:16], facts=facts))
    return rows


def _line_facts(kind: str, table: pd.DataFrame, col: "_Columns") -> tuple[list | None, list | None]:
    """For every line of the table: the facts the alert shows of it, and its part of the
    fingerprint (None: the kind shows no lines / fingerprints no line)."""
    if kind == AlertKind.EXPIRING:
        sub, prod, end = col["subscription_id"], col["product"], col["end_date"]
        lines = [{"subscription_id": s, "product": p, "trial": t, "auto_renew": a, "end_date": e, "days_left": d}
                 for s, p, t, a, e, d in zip(sub, prod, map(bool, col["trial"]), map(bool, col["auto_renew"]),
                                             end, map(int, col["days_left"]))]
        return lines, [f"{s}:{p}:{e}" for s, p, e in zip(sub, prod, end)]
    if kind == AlertKind.OVERAGE:
        sub, prod, over = col["subscription_id"], col["product"], [int(v) for v in col["overage"]]
        lines = [{"subscription_id": s, "product": p, "total": t, "assigned": a, "overage": o}
                 for s, p, t, a, o in zip(sub, prod, map(int, col["total_licenses"]), map(int, col["assigned"]),
                                          over)]
        return lines, [f"{s}:{p}:{o}" for s, p, o in zip(sub, prod, over)]
    if kind == AlertKind.ABANDONED_SPIKE:
        return None, None
    # Low assignment: every column as the table has it; the lines and their size are the
    # fingerprint (weekly assignment changes are noise).
    keys = [k for k in table.columns if k != "customer_id"]
    lines = [dict(zip(keys, values)) for values in zip(*[col.plain(k) for k in keys])] if keys else \
        [{} for _ in range(len(table))]
    parts = [str(v) for v in col["subscription_id"]] if "subscription_id" in table else None
    return lines, parts


class _Columns:
    """A table's columns as plain lists, each read once (the values ``to_dict('records')``
    gives), and with ``plain`` as ``_plain`` makes them (NaN/NaT to None, dates)."""

    def __init__(self, table: pd.DataFrame):
        self._table, self._lists, self._plain = table, {}, {}

    def __getitem__(self, key: str) -> list:
        if key not in self._lists:
            self._lists[key] = column_list(self._table[key])
        return self._lists[key]

    def plain(self, key: str) -> list:
        if key not in self._plain:
            self._plain[key] = plain_values(self._table[key])
        return self._plain[key]


def _plain(value: Any) -> Any:
    return plain_value(value)

