"""The frame behind the subscription analytics: lines of Meetings and Calling with their
licenses, the derived columns, the low-assignment peer thresholds and the masks that decide
which lines are expiring, renewing or low. The rules are written out in the docstring of
``partnerhub_core.analytics.subscriptions``."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlmodel import Session

from partnerhub_core.analytics.common import (
    date_col,
    load_customer_names,
    load_customers,
    load_latest_snapshots,
    load_subscriptions,
    months_between,
    ratio,
)
from partnerhub_core.analytics.usage import mask_stale_usage, usage_state
from partnerhub_core.errors import BadInput, RegionNames
from partnerhub_core.i18n import N_, words
from partnerhub_core.models import Product
from partnerhub_core.provenance import SourceState
from partnerhub_core.settings import Settings
from partnerhub_core.statuses import counts_as_expiring, counts_as_renewing

PRODUCTS = (Product.MEETINGS.value, Product.CALLING.value)
# What the frame's rules and tables read of a line and of its snapshots: the payment and
# provisioning states, the invoice and the snapshot's own total are not (statuses.py reads them).
LINE_COLUMNS = ("sub_pk", "customer_id", "subscription_id", "is_trial", "product", "total_licenses",
                "start_date", "end_date", "auto_renew", "cancelled_on")
SNAPSHOT_FIGURES = ("assigned", "used_7d", "used_90d")


def check_product(product: str | None, *, allow_none: bool = False) -> str | None:
    if product is None and allow_none:
        return None
    value = words.canonical("product", product or "")  # "chamadas", "Reuniones" too (i18n.words)
    if value not in PRODUCTS:
        raise BadInput(N_("Unknown product {value}: use meetings or calling."), value=product)
    return value


def check_region(region: str | None) -> str | None:
    if region is None or region == "":
        return None
    value = words.canonical("region", region)  # "Europa", "Estados Unidos" too
    if value is None:
        raise BadInput(N_("{value} is not a region: {allowed}."), value=region, allowed=RegionNames())
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
    # The lines in force (key None) and those of one product, picked once: an overview's
    # five sections and headline asked for them eleven times (a copy of 300,000 lines each).
    _picked: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _sets: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def in_force(self) -> pd.DataFrame:
        if None not in self._picked:
            self._picked[None] = self.lines[self.lines["in_force"]]
        return self._picked[None]

    def low_by_product(self) -> dict[str, set[int]]:
        """``low`` as the set of customer ids of each product (made once)."""
        if "low" not in self._sets:
            for product, customer_id in self.low:
                self._sets.setdefault("low", {}).setdefault(product, set()).add(customer_id)
            self._sets.setdefault("low", {})
        return self._sets["low"]

    def selected(self, product: str) -> pd.DataFrame:
        """The lines in force of ``product``."""
        if product not in self._picked:
            if None in self._picked:
                cur = self._picked[None]
                self._picked[product] = cur[cur["product"] == product]
            else:  # the same rows, without a copy of every line in force (a digest's low alert)
                lines = self.lines
                self._picked[product] = lines[lines["in_force"] & (lines["product"] == product)]
        return self._picked[product]


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
    of reading them again; a region or id filter then narrows those customers in memory
    (a tag still reads its customers)."""
    products = tuple(products)
    region = check_region(region)
    if preloaded is not None:
        all_customers, subs, snaps = preloaded
        # Only the columns the frame's own loads read (LINE_COLUMNS, SNAPSHOT_FIGURES): the
        # digest's frames hold more, and every copy below would carry them.
        subs = subs.loc[subs["product"].isin(products), [c for c in LINE_COLUMNS if c in subs]]
        subs = subs.reset_index(drop=True)
        snaps = snaps.loc[snaps["sub_pk"].isin(set(subs["sub_pk"])),
                          [c for c in snaps.columns if c != "snap_total"]].reset_index(drop=True)
    else:
        all_customers = load_customer_names(session, partner_id=partner_id)
        subs = load_subscriptions(session, partner_id=partner_id, products=products, columns=LINE_COLUMNS)
        # Both products' snapshots are read with every other line's (the merge below drops
        # those): PostgreSQL's semi-join with two products' lines (200,000 at 100,000
        # customers) cost twice the read of the extra rows. One product's stays cheap.
        snaps = load_latest_snapshots(session, partner_id=partner_id, as_of=as_of,
                                      products=products if len(products) == 1 else None,
                                      with_previous=True, values=SNAPSHOT_FIGURES)
    usage = usage_state(session, partner_id=partner_id, as_of=as_of, settings=settings)
    snaps = mask_stale_usage(snaps, usage)
    lines = subs.merge(
        all_customers[["customer_id", "customer", "org_id", "region"]], on="customer_id", how="inner"
    ).merge(snaps, on="sub_pk", how="left")
    del subs, snaps  # copies of 200,000 rows at 100,000 customers, not needed past the merge
    lines = _derive(lines, as_of)
    low, thresholds = _low_assignment(lines, settings)
    # Filters narrow the lines after the peer percentile is known (see the module doc).
    if preloaded is not None and not tag and (region or customer_ids is not None):
        # The digest's every customer is already here: 100,000 read again only to narrow.
        chosen = all_customers if not region else all_customers[all_customers["region"] == region]
        keep = set(chosen["customer_id"])
        if customer_ids is not None:
            keep &= set(customer_ids)
        if len(keep) < len(all_customers):
            lines = lines[lines["customer_id"].isin(keep)]
    elif region or tag or customer_ids is not None:
        chosen = load_customers(session, partner_id=partner_id, region=region, tag=tag,
                                customer_ids=customer_ids)
        lines = lines[lines["customer_id"].isin(set(chosen["customer_id"]))]
    return Frame(lines=lines.reset_index(drop=True), low=low, thresholds=thresholds, as_of=as_of,
                 products=products, usage=usage)


def _derive(df: pd.DataFrame, as_of: date) -> pd.DataFrame:
    day = pd.Timestamp(as_of)
    df = df.copy(deep=False)  # a new frame for the columns added below; copy-on-write shares the data
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
    return frame.selected(product)


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
    # Per product, a set lookup of the customer ids: a MultiIndex of (product, customer)
    # pairs cost ten times more at 200,000 lines.
    by_product = frame.low_by_product()
    product = df["product"].astype(str)
    customer = df["customer_id"].astype(int)
    low = np.zeros(len(df), dtype=bool)
    for name, ids in by_product.items():
        low |= ((product == name) & customer.isin(ids)).to_numpy(dtype=bool)
    return pd.Series(low, index=df.index, dtype=bool) & df["has_snapshot"]

