"""What every analytics view shares: the ``Section`` it returns, and the frame loaders.

A ``Section`` is one block of Partner Hub's analytics page: a few KPIs and one table.
The bot renders it as Block Kit, the CLI as a text table, ``reports.section_csv`` as CSV,
so a number is computed once and shown the same everywhere.

The loaders read one partner's rows into pandas with a handful of set-based queries
(never one query per customer), so a 20,000-customer partner stays fast.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from partnerhub_core.errors import NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.lazy import lazy_module
from partnerhub_core.rounding import displayed_figures
from partnerhub_core.models import Customer, CustomerTag, LicenseSnapshot, Subscription, Tag, search_key
from partnerhub_core.analytics.frames import _frame, _raw  # noqa: F401  (_frame: imported from here too)

pd = lazy_module("pandas")  # imported on first use: a customer lookup needs only the light parts

# A subscription whose newest weekly snapshot is older than this has no known license
# counts (assigned/used are taken as 0): current subscriptions get a snapshot every week.
SNAPSHOT_LOOKBACK_DAYS = 14

# Column kinds, so every renderer formats a value the same way.
TEXT, INT, PERCENT, DATE, BOOL, FLOAT = "text", "int", "percent", "date", "bool", "float"
# Text columns holding a code a person reads by name (i18n.glossary.named): "EU", "calling".
REGION, PRODUCT = "region", "product"


@dataclass(frozen=True)
class Column:
    """A table column: ``key`` in the DataFrame, ``label`` an English msgid, ``kind`` above."""

    key: str
    label: str
    kind: str = TEXT
    source: str | None = None  # provenance.SourceFamily of its values: None there is unknown ("—")


@dataclass(frozen=True)
class Kpi:
    """One headline number. ``value`` is a count, or a ratio (0.25) when ``kind`` is PERCENT;
    None when it cannot be computed (a percentage of zero licenses)."""

    key: str
    label: str
    value: float | int | None
    kind: str = INT
    hint: str = ""  # English msgid that explains the rule (e.g. the low-assignment threshold)
    hint_params: dict[str, Any] = field(default_factory=dict)
    source: str | None = None  # provenance.SourceFamily: None is then unknown, not "nothing to divide"


@dataclass
class Section:
    key: str
    title: str  # English msgid
    kpis: list[Kpi]
    table: pd.DataFrame
    columns: list[Column]
    product: str | None = None
    as_of: date | None = None
    title_params: dict[str, Any] = field(default_factory=dict)  # values for ``title``
    # unknown.SourceNote per source family its figures come from: how many rows are known.
    notes: list = field(default_factory=list)

    def heading(self, gettext=None) -> str:
        text = gettext(self.title) if gettext else self.title
        try:
            return text.format(**self.title_params)
        except (KeyError, IndexError, ValueError):
            return text

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)

    def rows(self) -> list[dict[str, Any]]:
        """The table as plain dicts with the shown columns only (NaN -> None): JSON, CSV, tests.
        Column by column (``plain_column``): a digest's CSVs hold 100,000 rows."""
        if not len(self.table):
            return []
        keys = [c.key for c in self.columns]
        values = [plain_column(self.table[k]) for k in keys]
        return [dict(zip(keys, row)) for row in zip(*values)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.heading(),
            "product": self.product,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "kpis": [
                {"key": k.key, "label": k.label, "value": _plain(k.value), "kind": k.kind,
                 "hint": _hint(k), "source": k.source}
                for k in self.kpis
            ],
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind, "source": c.source}
                        for c in self.columns],
            "rows": self.rows(),
            # What people read of the exact values above, rounded half-up (rounding.py).
            "displayed": displayed_figures(self.kpis, self.columns, self.rows()),
            # Unknown figures are null in "rows"/"kpis"; this says which source and how much.
            "sources": {n.family: n.to_dict() for n in self.notes},
        }


def _hint(k: Kpi) -> str:
    if not k.hint:
        return ""
    try:
        return k.hint.format(**k.hint_params)
    except (KeyError, IndexError, ValueError):
        return k.hint


def _plain(value: Any) -> Any:
    """numpy / pandas scalars to plain Python; NaN, NaT and <NA> to None."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def column_list(series: pd.Series) -> list:
    """``series.tolist()``, the same values: pandas 3's text columns (``str``, kept as Python
    objects without pyarrow) list themselves value by value, their object array at once."""
    if isinstance(series.dtype, pd.StringDtype):
        return series.to_numpy(dtype=object).tolist()
    return series.tolist()


def plain_column(series: pd.Series) -> list:
    """``[_plain(v) for v in series]`` as ``to_dict('records')`` gives the values, without
    the per-value checks where the dtype already says what a value is."""
    import numpy as np

    dtype = series.dtype
    kind = dtype.kind if isinstance(dtype, np.dtype) else "O"  # nullable Int64 etc.: by value
    values = column_list(series)
    if kind in "iub":  # numpy ints/bools: tolist() already gives plain values, never missing
        return values
    if kind == "f":  # floats: NaN is None
        return [None if v != v else v for v in values]
    if kind == "M" and dtype.str.startswith("<M8"):  # naive datetime64: Timestamp to date, NaT None
        return [None if v is pd.NaT else v.date() for v in values]
    if isinstance(dtype, pd.StringDtype) and dtype.na_value is np.nan:  # "str": text or NaN
        return [None if v != v else v for v in values]
    return [_plain(v) for v in values]


def ratio(numerator: float, denominator: float) -> float | None:
    """A share, or None when there is nothing to divide by (shown as "—")."""
    if not denominator:
        return None
    return float(numerator) / float(denominator)


# ---------------------------------------------------------------------------------
# Frame loaders
# ---------------------------------------------------------------------------------
CUSTOMER_COLUMNS = ["customer_id", "org_id", "customer", "name_key", "region", "managed_by",
                    "external_id", "added_on", "last_admin_sign_in", "sign_in_checked_at"]
SUBSCRIPTION_COLUMNS = ["sub_pk", "customer_id", "subscription_id", "is_trial", "product",
                        "total_licenses", "start_date", "end_date", "auto_renew",
                        "provisioning_state", "payment_state", "invoice_ref", "cancelled_on"]


def resolve_tag(session: Session, partner_id: int, tag: str) -> Tag:
    """A tag of the partner by name (case- and accent-insensitive), or NotFound with hints."""
    key = search_key(tag)
    found = session.execute(
        select(Tag).where(Tag.partner_id == partner_id, Tag.name_key == key)
    ).scalar_one_or_none()
    if found is None:
        import difflib

        names = session.execute(select(Tag.name).where(Tag.partner_id == partner_id)).scalars().all()
        close = difflib.get_close_matches(tag, list(names), n=3, cutoff=0.5)
        raise NotFound(N_("No tag named {tag}."), suggestions=close, tag=tag)
    return found


FEW_IDS = 500  # id allow-lists up to this size go into the SQL (well under bind-parameter limits)


def load_customers(
    session: Session,
    *,
    partner_id: int,
    region: str | None = None,
    tag: str | None = None,
    customer_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """One row per customer of the partner, narrowed by region, tag and an id allow-list.
    ``added_on``, ``last_admin_sign_in`` and ``sign_in_checked_at`` (UTC) are datetime64."""
    stmt = select(
        Customer.id, Customer.org_id, Customer.name, Customer.name_key, Customer.region,
        Customer.managed_by, Customer.external_id, _raw(Customer.added_on), _raw(Customer.last_admin_sign_in),
        _raw(Customer.sign_in_checked_at),
    ).where(Customer.partner_id == partner_id)
    if region:
        stmt = stmt.where(Customer.region == region)
    if tag:
        tag_row = resolve_tag(session, partner_id, tag)
        tagged = select(CustomerTag.customer_id).where(
            CustomerTag.partner_id == partner_id, CustomerTag.tag_id == tag_row.id
        )
        stmt = stmt.where(Customer.id.in_(tagged))
    if customer_ids is not None:
        customer_ids = set(customer_ids)
        if len(customer_ids) <= FEW_IDS:  # a page of a list: read only those rows
            stmt = stmt.where(Customer.id.in_(sorted(customer_ids)))
    df = _frame(session, stmt, CUSTOMER_COLUMNS, dates=["added_on"],
                instants=["last_admin_sign_in", "sign_in_checked_at"], stream=True)
    if customer_ids is not None:
        # Filtered in pandas: an allow-list can hold thousands of ids (bind-parameter limits).
        df = df[df["customer_id"].isin(set(customer_ids))]
    return df.reset_index(drop=True)


def load_customer_names(session: Session, *, partner_id: int) -> pd.DataFrame:
    """``customer_id, org_id, customer, region`` of every customer of the partner: what the
    subscription frame joins to its lines (``load_customers`` without the sign-in instants
    and dates to parse: a third of an uncached overview's customer read at 100,000)."""
    stmt = select(Customer.id, Customer.org_id, Customer.name, Customer.region).where(
        Customer.partner_id == partner_id)
    return _frame(session, stmt, ["customer_id", "org_id", "customer", "region"], stream=True)


def load_subscriptions(
    session: Session,
    *,
    partner_id: int,
    products: Iterable[str] | None = None,
    customer_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Every subscription line (paid or trial) of the partner, optionally of some products.
    ``start_date``, ``end_date`` and ``cancelled_on`` are datetime64 (NaT when unset)."""
    stmt = select(
        Subscription.id, Subscription.customer_id, Subscription.subscription_id,
        Subscription.is_trial, Subscription.product, Subscription.total_licenses,
        _raw(Subscription.start_date), _raw(Subscription.end_date), Subscription.auto_renew,
        Subscription.provisioning_state, Subscription.payment_state, Subscription.invoice_ref,
        _raw(Subscription.cancelled_on),
    ).where(Subscription.partner_id == partner_id)
    if products is not None:
        stmt = stmt.where(Subscription.product.in_(list(products)))
    if customer_ids is not None:
        customer_ids = set(customer_ids)
        if len(customer_ids) <= FEW_IDS:
            stmt = stmt.where(Subscription.customer_id.in_(sorted(customer_ids)))
    df = _frame(session, stmt, SUBSCRIPTION_COLUMNS, dates=["start_date", "end_date", "cancelled_on"],
                stream=True)
    if customer_ids is not None:
        df = df[df["customer_id"].isin(set(customer_ids))].reset_index(drop=True)
    return df


def load_latest_snapshots(
    session: Session, *, partner_id: int, as_of: date, products: Iterable[str] | None = None,
    with_previous: bool = False, subscription_pks: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Per subscription, its newest weekly snapshot on or before ``as_of`` (within
    ``SNAPSHOT_LOOKBACK_DAYS``): ``snap_week`` (datetime64), ``snap_total, assigned,
    used_7d, used_90d``.

    With ``with_previous``, also the snapshot of the week before that one
    (``prev_assigned``, ``prev_used_7d``; NaN when there is none).

    One plain range query (the partner/week index covers it), then the newest two
    snapshots of each line picked in pandas: a ``row_number`` window in SQL sorted every
    row in the database and cost more than reading the extra week's rows.
    """
    since = as_of - timedelta(days=SNAPSHOT_LOOKBACK_DAYS)
    earliest = since - timedelta(days=7) if with_previous else since
    ls = LicenseSnapshot
    stmt = select(ls.subscription_pk, _raw(ls.week_ending), ls.total, ls.assigned, ls.used_7d, ls.used_90d
                  ).where(ls.partner_id == partner_id, ls.week_ending <= as_of, ls.week_ending > earliest)
    if products is not None:
        stmt = stmt.where(ls.subscription_pk.in_(
            select(Subscription.id).where(Subscription.partner_id == partner_id,
                                          Subscription.product.in_(list(products)))))
    if subscription_pks is not None:  # only these lines (few: a page of a list)
        stmt = stmt.where(ls.subscription_pk.in_(sorted(set(subscription_pks)) or [-1]))
    cols = ["sub_pk", "snap_week", "snap_total", "assigned", "used_7d", "used_90d"]
    df = _frame(session, stmt, cols, dates=["snap_week"], stream=True)
    # Newest first within each line (one snapshot per line and week: uq_snapshot_week).
    df = df.sort_values(["sub_pk", "snap_week"], ascending=[True, False], kind="stable")
    df["rn"] = df.groupby("sub_pk", sort=False).cumcount() + 1 if len(df) else pd.Series(dtype="object")
    df = df[df["rn"] <= (2 if with_previous else 1)].reset_index(drop=True)
    for col in ("snap_total", "assigned", "used_7d", "used_90d", "sub_pk", "rn"):
        df[col] = pd.to_numeric(df[col])
    newest = df[(df["rn"] == 1) & (df["snap_week"] > pd.Timestamp(since))].drop(columns=["rn"])
    if not with_previous:
        return newest.reset_index(drop=True)
    before = df[df["rn"] == 2][["sub_pk", "snap_week", "assigned", "used_7d"]].rename(
        columns={"snap_week": "prev_week", "assigned": "prev_assigned", "used_7d": "prev_used_7d"})
    out = newest.merge(before, on="sub_pk", how="left")
    # Only the snapshot exactly one week earlier is "last week"; a gap leaves it empty.
    gap = out["prev_week"] != out["snap_week"] - pd.Timedelta(days=7)
    out.loc[gap, ["prev_assigned", "prev_used_7d"]] = float("nan")
    return out.drop(columns=["prev_week"]).reset_index(drop=True)


def date_col(series: pd.Series) -> pd.Series:
    """A column of ``date`` (or None) as datetime64, so day arithmetic is vectorized."""
    return pd.to_datetime(series, errors="coerce")


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Completed calendar months from ``start`` to ``end``: Jan 31 -> Feb 28 is 0, -> Mar 1 is 1.

    Negative when ``end`` is before ``start``; <NA> when either is missing.
    """
    s = date_col(start)
    e = date_col(end)
    months = (e.dt.year - s.dt.year) * 12 + (e.dt.month - s.dt.month)
    months = months - (e.dt.day < s.dt.day).astype("Int64")
    # (end before start): count completed months backwards, e.g. -1 day is 0 months, not -1.
    back = e < s
    if back.any():
        rev = (s.dt.year - e.dt.year) * 12 + (s.dt.month - e.dt.month) - (s.dt.day < e.dt.day).astype("Int64")
        months = months.where(~back, -rev)
    return months.astype("Int64")
