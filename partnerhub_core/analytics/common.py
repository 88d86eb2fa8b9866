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
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from partnerhub_core.errors import NotFound
from partnerhub_core.i18n import N_
from partnerhub_core.lazy import lazy_module
from partnerhub_core.rounding import displayed_figures
from partnerhub_core.models import Customer, CustomerTag, Subscription, Tag, search_key
from partnerhub_core.analytics.frames import FEW_IDS, _frame, _raw  # noqa: F401  (_frame: imported from here too)
# The snapshot loader and its lookback live beside this module; importable from here as before.
from partnerhub_core.analytics.snapshots import (  # noqa: F401  (re-exported)
    SNAPSHOT_LOOKBACK_DAYS,
    SNAPSHOT_VALUES,
    load_latest_snapshots,
)

pd = lazy_module("pandas")  # imported on first use: a customer lookup needs only the light parts

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


def load_customers(
    session: Session,
    *,
    partner_id: int,
    region: str | None = None,
    tag: str | None = None,
    customer_ids: Iterable[int] | None = None,
    columns: Iterable[str] = CUSTOMER_COLUMNS,
) -> pd.DataFrame:
    """One row per customer of the partner, narrowed by region, tag and an id allow-list.
    ``added_on``, ``last_admin_sign_in`` and ``sign_in_checked_at`` (UTC) are datetime64.
    ``columns``: the ones a caller uses (``customer_id`` always), in ``CUSTOMER_COLUMNS`` order."""
    c = Customer
    sql = {"customer_id": c.id, "org_id": c.org_id, "customer": c.name, "name_key": c.name_key,
           "region": c.region, "managed_by": c.managed_by, "external_id": c.external_id,
           "added_on": _raw(c.added_on), "last_admin_sign_in": _raw(c.last_admin_sign_in),
           "sign_in_checked_at": _raw(c.sign_in_checked_at)}
    names = _chosen(CUSTOMER_COLUMNS, columns)
    stmt = select(*[sql[n] for n in names]).where(Customer.partner_id == partner_id)
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
    df = _frame(session, stmt, names, dates=[n for n in names if n == "added_on"],
                instants=[n for n in names if n in ("last_admin_sign_in", "sign_in_checked_at")], stream=True,
                packed=True)
    if customer_ids is not None:
        # Filtered in pandas: an allow-list can hold thousands of ids (bind-parameter limits).
        df = df[df["customer_id"].isin(set(customer_ids))]
    return df.reset_index(drop=True)


def _chosen(every: list[str], columns: Iterable[str]) -> list[str]:
    """``columns`` in the order of ``every`` (whose first, the row's id, always comes)."""
    wanted = set(columns) | {every[0]}
    unknown = wanted - set(every)
    if unknown:
        raise ValueError(f"unknown columns {sorted(unknown)}")
    return [n for n in every if n in wanted]


def load_customer_names(session: Session, *, partner_id: int) -> pd.DataFrame:
    """``customer_id, org_id, customer, region`` of every customer of the partner: what the
    subscription frame joins to its lines (``load_customers`` without the sign-in instants
    and dates to parse: a third of an uncached overview's customer read at 100,000)."""
    stmt = select(Customer.id, Customer.org_id, Customer.name, Customer.region).where(
        Customer.partner_id == partner_id)
    return _frame(session, stmt, ["customer_id", "org_id", "customer", "region"], stream=True, packed=True)


def load_subscriptions(
    session: Session,
    *,
    partner_id: int,
    products: Iterable[str] | None = None,
    customer_ids: Iterable[int] | None = None,
    columns: Iterable[str] = SUBSCRIPTION_COLUMNS,
) -> pd.DataFrame:
    """Every subscription line (paid or trial) of the partner, optionally of some products.
    ``start_date``, ``end_date`` and ``cancelled_on`` are datetime64 (NaT when unset).
    ``columns``: the ones a caller uses (``sub_pk`` always), in ``SUBSCRIPTION_COLUMNS`` order:
    text columns no rule reads cost a third of the read at 100,000 customers."""
    s = Subscription
    sql = {"sub_pk": s.id, "customer_id": s.customer_id, "subscription_id": s.subscription_id,
           "is_trial": s.is_trial, "product": s.product, "total_licenses": s.total_licenses,
           "start_date": _raw(s.start_date), "end_date": _raw(s.end_date), "auto_renew": s.auto_renew,
           "provisioning_state": s.provisioning_state, "payment_state": s.payment_state,
           "invoice_ref": s.invoice_ref, "cancelled_on": _raw(s.cancelled_on)}
    names = _chosen(SUBSCRIPTION_COLUMNS, columns)
    stmt = select(*[sql[n] for n in names]).where(Subscription.partner_id == partner_id)
    if products is not None:
        stmt = stmt.where(Subscription.product.in_(list(products)))
    if customer_ids is not None:
        customer_ids = set(customer_ids)
        if len(customer_ids) <= FEW_IDS:
            stmt = stmt.where(Subscription.customer_id.in_(sorted(customer_ids)))
    df = _frame(session, stmt, names, dates=[n for n in names if n in ("start_date", "end_date", "cancelled_on")],
                stream=True, packed=True)
    if customer_ids is not None:
        df = df[df["customer_id"].isin(set(customer_ids))].reset_index(drop=True)
    return df


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
