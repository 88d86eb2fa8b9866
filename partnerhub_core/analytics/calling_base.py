"""What every Webex Calling view shares: ``CallingSection``, the weekly loading of the
rollups, and the small frame helpers (analytics/calling.py has the rules)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from partnerhub_core.analytics.common import Column, Section, _frame, load_customers
from partnerhub_core.calling import ROLLUP_SUMS
from partnerhub_core.i18n import N_
from partnerhub_core.models import CallRollup, EndpointType
from partnerhub_core.rounding import displayed_figures
from partnerhub_core.timeutil import last_completed_week_ending

TREND_WEEKS = 8

ENDPOINT_LABELS = {
    EndpointType.DESK_PHONE: N_("Desk phone"),
    EndpointType.ROOM_DEVICE: N_("Room device"),
    EndpointType.WEBEX_APP: N_("Webex App"),
    EndpointType.OTHER: N_("Third-party device"),
}

FEATURES = [  # (rollup column, label) in the order the views list them
    ("queue_calls", N_("Call queue")),
    ("hunt_group_calls", N_("Hunt group")),
    ("auto_attendant_calls", N_("Auto attendant")),
    ("call_park_calls", N_("Call park")),
    ("call_pickup_calls", N_("Call pickup")),
    ("voicemail_calls", N_("Voicemail")),
]

POOR_RULE_HINT = N_(
    "A call leg is poor when its audio or video jitter is above {jitter} ms, its latency "
    "above {latency} ms or its packet loss above {loss}% (any one is enough)."
)


@dataclass
class CallingSection(Section):
    """A Section plus the weekly frame behind its chart (``trend``: one row per week,
    oldest first) and an optional second frame (quality by endpoint type)."""

    trend: pd.DataFrame | None = None
    trend_columns: list[Column] | None = None
    breakdown: pd.DataFrame | None = None
    breakdown_columns: list[Column] | None = None
    week_ending: date | None = None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["week_ending"] = self.week_ending.isoformat() if self.week_ending else None
        for name in ("trend", "breakdown"):
            frame = getattr(self, name)
            cols = getattr(self, f"{name}_columns") or []
            if frame is not None:
                out[name] = {
                    "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in cols],
                    "rows": _records(frame, [c.key for c in cols]),
                    "displayed": displayed_figures([], cols, _records(frame, [c.key for c in cols]))["rows"],
                }
        return out


def _records(frame: pd.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    from partnerhub_core.analytics.common import _plain

    return [{k: _plain(v) for k, v in rec.items()} for rec in frame[keys].to_dict(orient="records")]


# ---------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------
def trend_weeks(as_of: date, weeks: int = TREND_WEEKS) -> list[date]:
    """The Saturdays closing the last ``weeks`` completed weeks, oldest first."""
    last = last_completed_week_ending(as_of)
    return [last - timedelta(days=7 * i) for i in range(weeks - 1, -1, -1)]


def weekly_rollups(
    session: Session, *, partner_id: int, first_week: date, last_week: date,
    by: Iterable[str] = ("customer_id",),
) -> pd.DataFrame:
    """Rollup sums per week (and per ``by`` columns) for weeks ending in [first, last].

    One GROUP BY over the indexed (partner, week) range: at most customers × weeks rows.
    The alerts use it too (``by=("customer_id",)`` gives queue figures per week)."""
    r = CallRollup
    keys = [getattr(r, name) for name in by] + [r.week_ending]
    stmt = (
        select(*keys, *[func.sum(getattr(r, name)).label(name) for name in ROLLUP_SUMS])
        .where(r.partner_id == partner_id, r.week_ending >= first_week, r.week_ending <= last_week)
        .group_by(*keys)
    )
    columns = [*by, "week_ending", *ROLLUP_SUMS]
    frame = _frame(session, stmt, columns)  # plain tuples, column-wise (not Row objects)
    for name in ROLLUP_SUMS:
        frame[name] = pd.to_numeric(frame[name]).fillna(0)
    return frame


def _scoped(
    session: Session, *, partner_id: int, as_of: date, region, tag, customer_ids,
    by: Iterable[str] = ("customer_id",),
) -> tuple[pd.DataFrame, pd.DataFrame, list[date]]:
    weeks = trend_weeks(as_of)
    # Only what the calling views show of a customer (``_named``): not its sign-in instants.
    customers = load_customers(session, partner_id=partner_id, region=region, tag=tag,
                               customer_ids=customer_ids, columns=("customer_id", "org_id", "customer", "region"))
    data = weekly_rollups(session, partner_id=partner_id, first_week=weeks[0], last_week=weeks[-1],
                          by=("customer_id", *[b for b in by if b != "customer_id"]))
    data = data[data["customer_id"].isin(set(customers["customer_id"]))]
    return customers, data.reset_index(drop=True), weeks


def _per_week(data: pd.DataFrame, weeks: list[date]) -> pd.DataFrame:
    """Sums per week over every customer, with empty weeks as zeros."""
    grouped = data.groupby("week_ending")[list(ROLLUP_SUMS)].sum() if len(data) else None
    out = pd.DataFrame({"week_ending": weeks})
    if grouped is None:
        for name in ROLLUP_SUMS:
            out[name] = 0
        return out
    return out.merge(grouped, left_on="week_ending", right_index=True, how="left").fillna(0)


def _week(data: pd.DataFrame, week: date) -> pd.DataFrame:
    """One week's sums per customer (customers without data that week are absent)."""
    part = data[data["week_ending"] == week]
    return part.groupby("customer_id")[list(ROLLUP_SUMS)].sum()


def _named(frame: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    names = customers.set_index("customer_id")[["customer", "org_id", "region"]]
    return frame.join(names, how="inner").reset_index()


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    den = den.astype("float64")
    return (num.astype("float64") / den).where(den > 0)


def _empty(columns: list[Column]) -> pd.DataFrame:
    return pd.DataFrame({c.key: pd.Series(dtype="object") for c in columns})
