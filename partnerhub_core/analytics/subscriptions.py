"""Subscription analytics (SPEC F9–F15), with pandas, for Webex Meetings or Webex Calling.

Only Meetings and Calling lines are read, so Messaging-only customers are left out, as the
guide says. Every function is keyword-only
``(*, session, partner_id, as_of, settings, product, region=None, tag=None, customer_ids=None)``
and returns a ``Section``; the frame behind them comes from three queries (customers,
subscription lines, newest snapshots), never one query per customer.

Definitions (also in the README, "Rules and formulas"), with W = ``settings.analytics_window_days`` (90):

* A line (a subscription or a trial of one product) is *in force* on ``as_of`` when it
  started on or before ``as_of``, its end date is ``as_of`` or later (or unset) and it
  was not cancelled (see ``statuses.py``). Sections only show lines in force.
* Licenses of a line: *total* = ``total_licenses`` (purchased); *assigned*, *used*
  (licensed users active in the last 7 days) and *used in the last 3 months* come from
  its newest weekly snapshot on or before ``as_of`` (at most 14 days old; none → 0);
  *available* = max(total − assigned, 0).
* *Weekly change* = this snapshot's value − the value in the snapshot 7 days earlier;
  a line that started after that earlier week counts from 0; otherwise a missing earlier
  snapshot leaves the change empty.
* *Recently added*: lines started 0..W days before ``as_of``. *Days since added* =
  ``as_of − start_date``.
* *Expiring* (the guide's reading): every subscription or trial line whose end date is
  0..W days after ``as_of``, auto-renew or not. *Renewing*: its auto-renew part ("which
  subscription about to expire is set to renew automatically"), trials included. A customer
  can be in both. With ``expiring_excludes_auto_renew`` (the earlier reading) they are
  disjoint: auto-renew paid lines only renew, trials never do (``statuses.counts_as_*``).
  *Days until* = ``end_date − as_of``.
* Assignment % = Σ assigned ÷ Σ total; usage % = Σ used (7 days) ÷ Σ total, over the
  section's lines. Usage when assigned (low assignment) = Σ used ÷ Σ assigned.
* **Low assignment.** Per product, a customer's assignment ratio is Σ assigned ÷ Σ total
  over its lines in force that have a weekly snapshot (a line added days ago, before its
  first snapshot, or waiting for order setup is not measured yet, so not "low").
  A customer has low assignment when its ratio is
  at or below the ``low_assignment_percentile``-th percentile (25 by default; linear
  interpolation between the closest ranks, as ``numpy.percentile``) of the ratios of
  the partner's customers of that product, **and** below ``low_assignment_max_ratio``
  (0.5): the first part makes it "far fewer than the other customers", the second keeps
  a partner whose customers all assign well from having a "low" quarter anyway. The
  percentile is taken over the whole partner (before region, tag or customer filters),
  so a filter narrows the list without changing who is low.
* *Overage*: lines in force with assigned > total; overage = assigned − total. Average
  overage = Σ overage ÷ customers with overage.
* *Months since added* / *months remaining*: completed calendar months between the
  start date and ``as_of`` / ``as_of`` and the end date (Jan 31 → Feb 28 is 0 months).
* Headline KPIs (F9) count customers over Meetings and Calling together unless a product
  is given: *total customers* = customers with any Meetings or Calling line started on or
  before ``as_of`` (ended ones included: the partner still manages them); the others count
  customers with at least one line in the matching section (low assignment: low in
  Meetings or in Calling).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from partnerhub_core.analytics.cache import cached
from partnerhub_core.analytics.common import (
    BOOL,
    INT,
    PERCENT,
    TEXT,
    Column,
    Kpi,
    Section,
    date_col,
    load_customers,
    load_latest_snapshots,
    load_subscriptions,
    months_between,
    ratio,
    resolve_tag,
)
from partnerhub_core.errors import BadInput
from partnerhub_core.i18n import N_
from partnerhub_core.analytics.usage import mask_stale_usage, note_usage, usage_state
from partnerhub_core.models import Customer, CustomerTag, LicenseSnapshot, Product, Region, Subscription
from partnerhub_core.provenance import SourceState
from partnerhub_core.rounding import shown_ratio
from partnerhub_core.settings import Settings
from partnerhub_core.statuses import counts_as_expiring, counts_as_renewing

PRODUCTS = (Product.MEETINGS.value, Product.CALLING.value)
TREND_WEEKS = 52


def check_product(product: str | None, *, allow_none: bool = False) -> str | None:
    if product is None and allow_none:
        return None
    value = (product or "").strip().lower()
    if value not in PRODUCTS:
        raise BadInput(N_("Unknown product {value}: use meetings or calling."), value=product)
    return value


def check_region(region: str | None) -> str | None:
    if region is None or region == "":
        return None
    value = region.strip().upper()
    if value not in {r.value for r in Region}:
        raise BadInput(N_("Unknown region {value}: use one of {allowed}."), value=region,
                       allowed=", ".join(r.value for r in Region))
    return value


# ---------------------------------------------------------------------------------
# The frame
# ---------------------------------------------------------------------------------
@dataclass
class Frame:
    """Lines of the chosen products with their licenses, and the peer thresholds."""

    lines: pd.DataFrame  # every line of the selected customers (in force or not)
    low: set[tuple[str, int]]  # (product, customer_id) with low assignment
    thresholds: dict[str, float]  # product -> percentile value of assignment ratios
    as_of: date
    products: tuple[str, ...]
    usage: SourceState | None = None  # the licence usage source (analytics/usage.py)

    @property
    def in_force(self) -> pd.DataFrame:
        return self.lines[self.lines["in_force"]]


def load_frame(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    products: Iterable[str] = PRODUCTS,
    region: str | None = None,
    tag: str | None = None,
    customer_ids: Iterable[int] | None = None,
    preloaded: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None = None,
) -> Frame:
    """``preloaded``: (every customer, every subscription line, latest snapshots
    ``with_previous``) of the partner, already loaded by the caller (a digest), instead
    of reading them again."""
    products = tuple(products)
    region = check_region(region)
    if preloaded is not None:
        all_customers, subs, snaps = preloaded
        subs = subs[subs["product"].isin(products)].reset_index(drop=True)
        snaps = snaps[snaps["sub_pk"].isin(set(subs["sub_pk"]))].reset_index(drop=True)
    else:
        all_customers = load_customers(session, partner_id=partner_id)
        subs = load_subscriptions(session, partner_id=partner_id, products=products)
        snaps = load_latest_snapshots(session, partner_id=partner_id, as_of=as_of, products=products,
                                      with_previous=True)
    usage = usage_state(session, partner_id=partner_id, as_of=as_of, settings=settings)
    snaps = mask_stale_usage(snaps, usage)
    lines = subs.merge(
        all_customers[["customer_id", "customer", "org_id", "region"]], on="customer_id", how="inner"
    ).merge(snaps, on="sub_pk", how="left")
    lines = _derive(lines, as_of)
    low, thresholds = _low_assignment(lines, settings)
    # Filters narrow the lines after the peer percentile is known (see the module doc).
    if region or tag or customer_ids is not None:
        chosen = load_customers(session, partner_id=partner_id, region=region, tag=tag,
                                customer_ids=customer_ids)
        lines = lines[lines["customer_id"].isin(set(chosen["customer_id"]))]
    return Frame(lines=lines.reset_index(drop=True), low=low, thresholds=thresholds, as_of=as_of,
                 products=products, usage=usage)


def _derive(df: pd.DataFrame, as_of: date) -> pd.DataFrame:
    day = pd.Timestamp(as_of)
    df = df.copy()
    df["assigned"] = pd.to_numeric(df["assigned"], errors="coerce").fillna(0).astype("int64")
    # Usage is unknown (NA) where a snapshot holds no usage figure (provenance.py); a line
    # without a snapshot yet counts from 0, like its assigned licenses.
    no_snap = date_col(df["snap_week"]).isna() if "snap_week" in df else pd.Series(True, index=df.index)
    for col in ("used_7d", "used_90d"):
        df[col] = pd.to_numeric(df[col], errors="coerce").where(~no_snap, 0).astype("Int64")
    df["total_licenses"] = df["total_licenses"].astype("int64")
    start = date_col(df["start_date"])
    end = date_col(df["end_date"])
    cancelled = date_col(df["cancelled_on"])
    df["is_trial"] = df["is_trial"].astype(bool)
    df["auto_renew"] = df["auto_renew"].astype(bool)
    df["started"] = start <= day
    df["in_force"] = (
        df["started"] & (end.isna() | (end >= day)) & (cancelled.isna() | (cancelled > day))
    ).astype(bool)
    df["days_since_added"] = (day - start).dt.days.astype("Int64")
    df["days_left"] = (end - day).dt.days.astype("Int64")
    df["months_since_added"] = months_between(df["start_date"], pd.Series(day, index=df.index))
    df["months_remaining"] = months_between(pd.Series(day, index=df.index), df["end_date"])
    df["available"] = (df["total_licenses"] - df["assigned"]).clip(lower=0)
    df["overage"] = (df["assigned"] - df["total_licenses"]).clip(lower=0)
    df["assigned_pct"] = _share(df["assigned"], df["total_licenses"])
    df["used_pct"] = _share(df["used_7d"], df["total_licenses"])
    # A line that started after the previous snapshot week had nothing then: count from 0.
    snap_week = date_col(df["snap_week"]) if "snap_week" in df else pd.Series(pd.NaT, index=df.index)
    new_since = start > (snap_week - pd.Timedelta(days=7))
    prev_assigned = pd.to_numeric(df.get("prev_assigned"), errors="coerce")
    prev_used = pd.to_numeric(df.get("prev_used_7d"), errors="coerce")
    prev_assigned = prev_assigned.where(~(prev_assigned.isna() & new_since), 0)
    prev_used = prev_used.where(~(prev_used.isna() & new_since), 0)
    has_snap = snap_week.notna()
    df["has_snapshot"] = has_snap.astype(bool)
    df["weekly_assigned_change"] = (df["assigned"] - prev_assigned).where(has_snap).astype("Int64")
    df["weekly_used_change"] = (df["used_7d"] - prev_used).where(has_snap).astype("Int64")
    return df


def known_ratio(num: pd.Series, den: pd.Series) -> float | None:
    """sum(num) ÷ sum(den) over the rows whose ``num`` is known; None when none is."""
    known = num.notna()
    if not known.any():
        return None
    return ratio(int(num[known].sum()), int(den[known].sum()))


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype("float64")
    return (num.astype("float64") / den.where(den > 0)).astype("float64")


def _low_assignment(lines: pd.DataFrame, settings: Settings) -> tuple[set[tuple[str, int]], dict[str, float]]:
    # Only lines whose counts are known: a line without a weekly snapshot yet (added days
    # ago, or waiting for order setup) is not "low", it is not measured.
    cur = lines[lines["in_force"] & lines["has_snapshot"]]
    per = cur.groupby(["product", "customer_id"], as_index=False)[["assigned", "total_licenses"]].sum()
    per = per[per["total_licenses"] > 0]
    low: set[tuple[str, int]] = set()
    thresholds: dict[str, float] = {}
    for product, grp in per.groupby("product"):
        ratios = grp["assigned"] / grp["total_licenses"]
        cut = float(np.percentile(ratios.to_numpy(dtype="float64"), settings.low_assignment_percentile))
        thresholds[str(product)] = cut
        hit = grp[(ratios <= cut + 1e-12) & (ratios < settings.low_assignment_max_ratio)]
        low.update((str(product), int(c)) for c in hit["customer_id"])
    return low, thresholds


def _selected(frame: Frame, product: str) -> pd.DataFrame:
    cur = frame.in_force
    return cur[cur["product"] == product]


def _window(settings: Settings) -> int:
    return settings.analytics_window_days


def _ending_soon(df: pd.DataFrame, window: int) -> pd.Series:
    return df["days_left"].notna() & (df["days_left"] >= 0) & (df["days_left"] <= window)


def _expiring_mask(df: pd.DataFrame, settings: Settings) -> pd.Series:
    soon = _ending_soon(df, _window(settings))
    return (soon & counts_as_expiring(df["is_trial"], df["auto_renew"], settings)).fillna(False).astype(bool)


def _renewing_mask(df: pd.DataFrame, settings: Settings) -> pd.Series:
    soon = _ending_soon(df, _window(settings))
    return (soon & counts_as_renewing(df["is_trial"], df["auto_renew"], settings)).fillna(False).astype(bool)


def _low_mask(df: pd.DataFrame, frame: Frame) -> pd.Series:
    if df.empty or not frame.low:
        return pd.Series(False, index=df.index, dtype=bool)
    keys = pd.MultiIndex.from_arrays([df["product"].astype(str), df["customer_id"].astype(int)])
    low = pd.Series(keys.isin(list(frame.low)), index=df.index, dtype=bool)  # vectorized: 60,000 lines
    return low & df["has_snapshot"]


def _table(df: pd.DataFrame, columns: list[Column], sort: list[str], ascending: list[bool]) -> pd.DataFrame:
    keep = ["customer_id", "org_id", "product", "is_trial"] + [c.key for c in columns]
    keep = list(dict.fromkeys(k for k in keep if k in df.columns))
    out = df.sort_values(sort, ascending=ascending, kind="stable")[keep]
    return out.reset_index(drop=True)


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
        "threshold": "—" if cut is None else f"{shown_ratio(cut)}%",
        "max_ratio": f"{settings.low_assignment_max_ratio * 100:.0f}%",
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


def _num(value: float) -> str:
    return f"{value:g}"


def _headline(frame: Frame, settings: Settings) -> Section:
    w = _window(settings)
    lines = frame.lines
    cur = frame.in_force
    total = int(lines.loc[lines["started"], "customer_id"].nunique())
    expiring = int(cur.loc[_expiring_mask(cur, settings), "customer_id"].nunique())
    renewing = int(cur.loc[_renewing_mask(cur, settings), "customer_id"].nunique())
    low = int(cur.loc[_low_mask(cur, frame), "customer_id"].nunique())
    over = int(cur.loc[cur["assigned"] > cur["total_licenses"], "customer_id"].nunique())
    thresholds = ", ".join(f"{p} {shown_ratio(v)}%" for p, v in sorted(frame.thresholds.items())) or "—"
    kpis = [
        Kpi("total_customers", N_("Total customers"), total),
        Kpi("expiring", N_("Approaching expiration"), expiring,
            hint=N_("Customers with a subscription or trial ending in the next {days} days."),
            hint_params={"days": w}),
        Kpi("renewing", N_("Upcoming renewal"), renewing,
            hint=N_("Customers with a subscription set to auto-renew in the next {days} days."),
            hint_params={"days": w}),
        Kpi("low_assignment", N_("Low license assignment"), low,
            hint=N_("Assignment ratio at or below the {percentile}th percentile of this partner's customers "
                    "({threshold}) and below {max_ratio}."),
            hint_params={"percentile": _num(settings.low_assignment_percentile), "threshold": thresholds,
                         "max_ratio": f"{settings.low_assignment_max_ratio * 100:.0f}%"}),
        Kpi("overage", N_("Exceeded license limit"), over,
            hint=N_("Customers that assigned more licenses than they bought.")),
    ]
    product = frame.products[0] if len(frame.products) == 1 else None
    empty = pd.DataFrame({"key": pd.Series(dtype="str")})
    return Section("kpis", N_("Headline KPIs"), kpis, empty, [], product=product, as_of=frame.as_of)


# ---------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------
@cached("kpis")
def headline_kpis(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    product: str | None = None,
    region: str | None = None,
    tag: str | None = None,
    customer_ids: Iterable[int] | None = None,
) -> Section:
    """F9. Over Meetings and Calling together unless ``product`` is given."""
    product = check_product(product, allow_none=True)
    frame = load_frame(session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                       products=(product,) if product else PRODUCTS, region=region, tag=tag,
                       customer_ids=customer_ids)
    return _headline(frame, settings)


def _section_fn(builder: Callable[[Frame, str, Settings], Section], doc: str):
    def section(
        *,
        session: Session,
        partner_id: int,
        as_of: date,
        settings: Settings,
        product: str = "meetings",
        region: str | None = None,
        tag: str | None = None,
        customer_ids: Iterable[int] | None = None,
    ) -> Section:
        product = check_product(product)
        frame = load_frame(session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                           products=(product,), region=region, tag=tag, customer_ids=customer_ids)
        return note_usage(builder(frame, product, settings), frame.usage)

    section.__doc__ = doc
    return cached(f"section{builder.__name__}")(section)


recently_added = _section_fn(_recent, "F11: lines added in the last W days (see the module doc).")
expiring = _section_fn(_expiring, "F12: lines that end in the next W days (see the module doc).")
renewing = _section_fn(_renewing, "F13: the auto-renew part of them (see the module doc).")
low_assignment = _section_fn(_low, "F14: lines of customers with low assignment (rule in the module doc).")
overage = _section_fn(_overage, "F15: lines with more licenses assigned than purchased.")
for _fn, _name in ((recently_added, "recently_added"), (expiring, "expiring"), (renewing, "renewing"),
                   (low_assignment, "low_assignment"), (overage, "overage")):
    _fn.__name__ = _fn.__qualname__ = _name

SECTIONS: dict[str, Callable[..., Section]] = {
    "recent": recently_added,
    "expiring": expiring,
    "renewing": renewing,
    "low": low_assignment,
    "overage": overage,
}
_BUILDERS = {"recent": _recent, "expiring": _expiring, "renewing": _renewing, "low": _low, "overage": _overage}


@cached("overview")
def overview(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    product: str = "meetings",
    region: str | None = None,
    tag: str | None = None,
    customer_ids: Iterable[int] | None = None,
) -> tuple[Section, dict[str, Section]]:
    """Headline KPIs (Meetings and Calling) and the five sections of ``product``, from one
    load of the data: what the analytics page, a digest or the demo shows at once."""
    product = check_product(product)
    frame = load_frame(session=session, partner_id=partner_id, as_of=as_of, settings=settings,
                       products=PRODUCTS, region=region, tag=tag, customer_ids=customer_ids)
    sections = {key: note_usage(build(frame, product, settings), frame.usage) for key, build in _BUILDERS.items()}
    return _headline(frame, settings), sections


@cached("trend")
def license_trend(
    *,
    session: Session,
    partner_id: int,
    as_of: date,
    settings: Settings,
    product: str = "meetings",
    region: str | None = None,
    tag: str | None = None,
    customer_ids: Iterable[int] | None = None,
    weeks: int = TREND_WEEKS,
) -> Section:
    """F10: per week (ending Saturday, newest first) of the last ``weeks`` weeks up to ``as_of``, the sum
    over the product's lines of total, assigned and used (last 7 days) licenses, from the
    weekly snapshots (so a line counts in the weeks it existed). One aggregate query."""
    product = check_product(product)
    region = check_region(region)
    ls, sub, cust = LicenseSnapshot, Subscription, Customer
    since = as_of - timedelta(weeks=weeks)
    stmt = (
        select(ls.week_ending, func.sum(ls.total), func.sum(ls.assigned), func.sum(ls.used_7d),
               func.count(ls.used_7d), func.count())
        .join(sub, sub.id == ls.subscription_pk)
        .join(cust, cust.id == sub.customer_id)
        .where(ls.partner_id == partner_id, sub.partner_id == partner_id, sub.product == product,
               ls.week_ending <= as_of, ls.week_ending > since)
        .group_by(ls.week_ending)
        .order_by(ls.week_ending)
    )
    if region:
        stmt = stmt.where(cust.region == region)
    if tag:
        tag_row = resolve_tag(session, partner_id, tag)
        stmt = stmt.where(cust.id.in_(select(CustomerTag.customer_id).where(CustomerTag.tag_id == tag_row.id)))
    if customer_ids is not None:
        stmt = stmt.where(cust.id.in_(sorted(set(customer_ids)) or [-1]))
    rows = session.execute(stmt).all()
    df = pd.DataFrame(rows, columns=["week_ending", "total_licenses", "assigned", "used_7d", "used_known",
                                     "lines"])
    for col in ("total_licenses", "assigned"):
        df[col] = pd.to_numeric(df[col]).fillna(0).astype("int64")
    # A week's usage is known only when every line of it has a usage figure: a sum over
    # some of them is not that week's usage (analytics/usage.py).
    usage = usage_state(session, partner_id=partner_id, as_of=as_of, settings=settings)
    complete = (pd.to_numeric(df["used_known"]) == pd.to_numeric(df["lines"])) & (not usage.stale)
    df["used_7d"] = pd.to_numeric(df["used_7d"]).astype("Int64").where(complete, pd.NA)
    df = df.drop(columns=["used_known", "lines"])
    df["assigned_pct"] = _share(df["assigned"], df["total_licenses"])
    df["used_pct"] = _share(df["used_7d"], df["total_licenses"])
    last = df.iloc[-1] if len(df) else None
    kpis = [
        Kpi("total_licenses", N_("Total licenses"), None if last is None else int(last["total_licenses"])),
        Kpi("assigned", N_("Assigned"), None if last is None else int(last["assigned"])),
        Kpi("used", N_("Used (last 7 days)"),
            None if last is None or pd.isna(last["used_7d"]) else int(last["used_7d"])),
        Kpi("assignment_pct", N_("License assignment"),
            None if last is None else ratio(int(last["assigned"]), int(last["total_licenses"])), PERCENT),
        Kpi("usage_pct", N_("License usage (last 7 days)"),
            None if last is None or pd.isna(last["used_pct"]) else float(last["used_pct"]), PERCENT),
    ]
    columns = [
        Column("week_ending", N_("Week ending"), "date"),
        Column("total_licenses", N_("Total licenses"), INT),
        Column("assigned", N_("Assigned"), INT),
        Column("used_7d", N_("Used"), INT),
        Column("assigned_pct", N_("Assigned %"), PERCENT),
        Column("used_pct", N_("Used %"), PERCENT),
    ]
    # Newest week first: every view that shows a few rows (Slack, ``--limit``) shows the latest.
    df = df.iloc[::-1].reset_index(drop=True)
    section = Section("trend", N_("License distribution trend"), kpis, df, columns, product=product, as_of=as_of)
    return note_usage(section, usage, unit="weeks")
