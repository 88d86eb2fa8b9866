"""The five subscription sections (F11–F15) built over a loaded ``Frame``; the public,
cached functions are in ``partnerhub_core.analytics.subscriptions``."""
from __future__ import annotations

import pandas as pd

from partnerhub_core.analytics.common import BOOL, INT, PERCENT, TEXT, Column, Kpi, Section, ratio
from partnerhub_core.analytics.subscription_frame import (
    Frame,
    _expiring_mask,
    _low_mask,
    _renewing_mask,
    _selected,
    _window,
    known_ratio,
)
from partnerhub_core.analytics.hints import Pct
from partnerhub_core.i18n import N_
from partnerhub_core.settings import Settings


def _table(df: pd.DataFrame, columns: list[Column], sort: list[str], ascending: list[bool]) -> pd.DataFrame:
    keep = ["customer_id", "org_id", "product", "is_trial"] + [c.key for c in columns]
    keep = list(dict.fromkeys(k for k in keep if k in df.columns))
    # The shown columns (and sort keys) first, then sorted: the rows of fifteen columns
    # are reordered, not those of the frame's forty.
    out = df[keep + [k for k in sort if k not in keep]].sort_values(sort, ascending=ascending, kind="stable")
    return out[keep].reset_index(drop=True)


def _usage_columns() -> list[Column]:
    return [
        Column("total_licenses", N_("Total licenses"), INT),
        Column("used_7d", N_("Used"), INT),
        Column("assigned", N_("Assigned"), INT),
        Column("available", N_("Available"), INT),
    ]


# ---------------------------------------------------------------------------------
# Section builders over a loaded frame
# ---------------------------------------------------------------------------------
def _recent(frame: Frame, product: str, settings: Settings) -> Section:
    w = _window(settings)
    df = _selected(frame, product)
    df = df[(df["days_since_added"] >= 0) & (df["days_since_added"] <= w)]
    columns = [
        Column("customer", N_("Customer"), TEXT),
        Column("subscription_id", N_("Subscription ID"), TEXT),
        Column("days_since_added", N_("Days since added"), INT),
        *_usage_columns(),
        Column("weekly_assigned_change", N_("Weekly change in assigned"), INT),
        Column("weekly_used_change", N_("Weekly change in used"), INT),
    ]
    kpis = [
        Kpi("new_customers", N_("New customers"), int(df["customer_id"].nunique())),
        Kpi("total_licenses", N_("Total licenses"), int(df["total_licenses"].sum())),
    ]
    return Section("recent", N_("Recently added (last {days} days)"), kpis,
                   _table(df, columns, ["days_since_added", "customer", "subscription_id"], [True, True, True]),
                   columns, product=product, as_of=frame.as_of, title_params={"days": w})


def _usage_kpis(df: pd.DataFrame, customers_key: str, customers_label: str) -> list[Kpi]:
    total = int(df["total_licenses"].sum())
    return [
        Kpi(customers_key, customers_label, int(df["customer_id"].nunique())),
        Kpi("assignment_pct", N_("License assignment"), ratio(int(df["assigned"].sum()), total), PERCENT,
            hint=N_("Assigned licenses ÷ total licenses of these subscriptions and trials.")),
        Kpi("usage_pct", N_("License usage (last 7 days)"), known_ratio(df["used_7d"], df["total_licenses"]), PERCENT,
            hint=N_("Licenses used in the last 7 days ÷ total licenses of these subscriptions and trials.")),
    ]


def _ending(frame: Frame, product: str, settings: Settings, *, key: str, mask, days_label: str, title: str,
            customers_label: str) -> Section:
    """F12 and F13 share one table: lines ending (or renewing) in the window, soonest first."""
    w = _window(settings)
    df = _selected(frame, product)
    df = df[mask(df, settings)]
    columns = [
        Column("customer", N_("Customer"), TEXT),
        Column("subscription_id", N_("Subscription ID"), TEXT),
        Column("days_left", days_label, INT),
        *_usage_columns(),
        Column("used_90d", N_("Used in the last 3 months"), INT),
    ]
    return Section(key, title, _usage_kpis(df, "customers", customers_label),
                   _table(df, columns, ["days_left", "customer", "subscription_id"], [True, True, True]),
                   columns, product=product, as_of=frame.as_of, title_params={"days": w})


def _expiring(frame: Frame, product: str, settings: Settings) -> Section:
    return _ending(frame, product, settings, key="expiring", mask=_expiring_mask,
                   days_label=N_("Days until expiry"), title=N_("Expiring in the next {days} days"),
                   customers_label=N_("Customers expiring"))


def _renewing(frame: Frame, product: str, settings: Settings) -> Section:
    return _ending(frame, product, settings, key="renewing", mask=_renewing_mask,
                   days_label=N_("Days until renewal"), title=N_("Renewing in the next {days} days (auto-renew)"),
                   customers_label=N_("Customers renewing"))


def _low(frame: Frame, product: str, settings: Settings) -> Section:
    df = _selected(frame, product)
    df = df[_low_mask(df, frame)]
    total = int(df["total_licenses"].sum())
    assigned = int(df["assigned"].sum())
    cut = frame.thresholds.get(product)
    hint_params = {
        "percentile": _num(settings.low_assignment_percentile),
        "threshold": "—" if cut is None else Pct(cut),
        "max_ratio": Pct(settings.low_assignment_max_ratio, 0),
    }
    rule = N_("Assignment ratio at or below the {percentile}th percentile of this partner's customers "
              "({threshold}) and below {max_ratio}.")
    kpis = [
        Kpi("customers", N_("Customers with low assignment"), int(df["customer_id"].nunique()),
            hint=rule, hint_params=hint_params),
        Kpi("assignment_pct", N_("License assignment"), ratio(assigned, total), PERCENT,
            hint=N_("Assigned licenses ÷ total licenses of these subscriptions and trials.")),
        Kpi("usage_when_assigned_pct", N_("Usage when assigned"), known_ratio(df["used_7d"], df["assigned"]),
            PERCENT, hint=N_("Licenses used in the last 7 days ÷ assigned licenses.")),
        Kpi("unassigned", N_("Total unassigned licenses"), int(df["available"].sum())),
    ]
    columns = [
        Column("customer", N_("Customer"), TEXT),
        Column("subscription_id", N_("Subscription ID"), TEXT),
        Column("months_since_added", N_("Months since added"), INT),
        Column("assigned", N_("Assigned"), INT),
        Column("assigned_pct", N_("Assigned %"), PERCENT),
        Column("total_licenses", N_("Total licenses"), INT),
        Column("used_7d", N_("Used"), INT),
        Column("available", N_("Available"), INT),
        Column("weekly_assigned_change", N_("Weekly change in assigned"), INT),
    ]
    return Section("low", N_("Low license assignment"), kpis,
                   _table(df, columns, ["assigned_pct", "customer", "subscription_id"], [True, True, True]),
                   columns, product=product, as_of=frame.as_of)


def _overage(frame: Frame, product: str, settings: Settings) -> Section:
    df = _selected(frame, product)
    df = df[df["assigned"] > df["total_licenses"]]
    customers = int(df["customer_id"].nunique())
    total_over = int(df["overage"].sum())
    kpis = [
        Kpi("customers", N_("Customers with overage"), customers),
        Kpi("overage_licenses", N_("Total overage licenses"), total_over),
        Kpi("average_overage", N_("Average overage per customer"),
            None if not customers else total_over / customers, "float",
            hint=N_("Overage licenses ÷ customers with overage.")),
    ]
    columns = [
        Column("customer", N_("Customer"), TEXT),
        Column("subscription_id", N_("Subscription ID"), TEXT),
        Column("months_remaining", N_("Months remaining"), INT),
        Column("auto_renew", N_("Auto-renew"), BOOL),
        Column("total_licenses", N_("Total licenses"), INT),
        Column("assigned", N_("Assigned"), INT),
        Column("assigned_pct", N_("Assigned %"), PERCENT),
        Column("used_7d", N_("Used"), INT),
        Column("used_pct", N_("Used %"), PERCENT),
        Column("overage", N_("Overage"), INT),
    ]
    return Section("overage", N_("Over the license limit"), kpis,
                   _table(df, columns, ["overage", "customer", "subscription_id"], [False, True, True]),
                   columns, product=product, as_of=frame.as_of)


def _num(value: float) -> int | float:
    """A setting shown as a number (25, not 25.0), localized where it is shown (hints.py)."""
    return int(value) if float(value).is_integer() else value

